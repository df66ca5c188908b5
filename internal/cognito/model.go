package cognito

import "github.com/portolan/portolan/internal/awsapi"

// AttributeType is a user attribute on the wire.
type AttributeType struct {
	Name  string
	Value string
}

// PasswordPolicyType is a pool's password rules (Policies.PasswordPolicy).
type PasswordPolicyType struct {
	MinimumLength                 int `json:",omitempty"`
	RequireUppercase              bool
	RequireLowercase              bool
	RequireNumbers                bool
	RequireSymbols                bool
	TemporaryPasswordValidityDays int `json:",omitempty"`
}

// UserPoolPolicyType holds the password policy.
type UserPoolPolicyType struct {
	PasswordPolicy *PasswordPolicyType `json:",omitempty"`
}

// SchemaAttributeType declares an attribute: a standard one's settings, or
// a custom one (custom:<name> once declared).
type SchemaAttributeType struct {
	Name                       string
	AttributeDataType          string `json:",omitempty"`
	DeveloperOnlyAttribute     *bool  `json:",omitempty"`
	Mutable                    *bool  `json:",omitempty"`
	Required                   *bool  `json:",omitempty"`
	NumberAttributeConstraints *struct {
		MinValue string `json:",omitempty"`
		MaxValue string `json:",omitempty"`
	} `json:",omitempty"`
	StringAttributeConstraints *struct {
		MinLength string `json:",omitempty"`
		MaxLength string `json:",omitempty"`
	} `json:",omitempty"`
}

// AdminCreateUserConfigType says whether users may sign themselves up.
type AdminCreateUserConfigType struct {
	AllowAdminCreateUserOnly  bool
	UnusedAccountValidityDays int `json:",omitempty"`
}

// UsernameConfigurationType: whether user names are case-sensitive.
type UsernameConfigurationType struct {
	CaseSensitive bool
}

// UserPoolType is a pool as DescribeUserPool answers.
type UserPoolType struct {
	Id                     string
	Name                   string
	Arn                    string
	Policies               UserPoolPolicyType
	DeletionProtection     string `json:",omitempty"`
	SchemaAttributes       []SchemaAttributeType
	AutoVerifiedAttributes []string                   `json:",omitempty"`
	AliasAttributes        []string                   `json:",omitempty"`
	UsernameAttributes     []string                   `json:",omitempty"`
	UsernameConfiguration  *UsernameConfigurationType `json:",omitempty"`
	MfaConfiguration       string
	AdminCreateUserConfig  AdminCreateUserConfigType
	UserPoolTags           map[string]string `json:",omitempty"`
	Domain                 string            `json:",omitempty"`
	EstimatedNumberOfUsers int
	UserPoolTier           string
	CreationDate           awsapi.Timestamp
	LastModifiedDate       awsapi.Timestamp
}

// TokenValidityUnitsType is the unit of each of a client's validities.
type TokenValidityUnitsType struct {
	AccessToken  string `json:",omitempty"`
	IdToken      string `json:",omitempty"`
	RefreshToken string `json:",omitempty"`
}

// UserPoolClientType is an app client as DescribeUserPoolClient answers.
type UserPoolClientType struct {
	UserPoolId                      string
	ClientName                      string
	ClientId                        string
	ClientSecret                    string `json:",omitempty"`
	RefreshTokenValidity            int
	AccessTokenValidity             int
	IdTokenValidity                 int
	TokenValidityUnits              TokenValidityUnitsType
	ReadAttributes                  []string `json:",omitempty"`
	WriteAttributes                 []string `json:",omitempty"`
	ExplicitAuthFlows               []string `json:",omitempty"`
	SupportedIdentityProviders      []string `json:",omitempty"`
	CallbackURLs                    []string `json:",omitempty"`
	LogoutURLs                      []string `json:",omitempty"`
	DefaultRedirectURI              string   `json:",omitempty"`
	AllowedOAuthFlows               []string `json:",omitempty"`
	AllowedOAuthScopes              []string `json:",omitempty"`
	AllowedOAuthFlowsUserPoolClient bool
	PreventUserExistenceErrors      string
	EnableTokenRevocation           bool
	AuthSessionValidity             int
	CreationDate                    awsapi.Timestamp
	LastModifiedDate                awsapi.Timestamp
}

// ResourceServerScopeType is one scope of a resource server.
type ResourceServerScopeType struct {
	ScopeName        string
	ScopeDescription string
}

// ResourceServerType is a resource server: an identifier whose scopes
// are "<identifier>/<scope>" in access tokens.
type ResourceServerType struct {
	UserPoolId string
	Identifier string
	Name       string
	Scopes     []ResourceServerScopeType
}

// GroupType is a group of a pool.
type GroupType struct {
	GroupName        string
	UserPoolId       string
	Description      string `json:",omitempty"`
	RoleArn          string `json:",omitempty"`
	Precedence       *int   `json:",omitempty"`
	CreationDate     awsapi.Timestamp
	LastModifiedDate awsapi.Timestamp
}

// UserType is a user as listings show it.
type UserType struct {
	Username             string
	Attributes           []AttributeType
	UserCreateDate       awsapi.Timestamp
	UserLastModifiedDate awsapi.Timestamp
	Enabled              bool
	UserStatus           string
}

// User statuses.
const (
	StatusUnconfirmed         = "UNCONFIRMED"
	StatusConfirmed           = "CONFIRMED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
)

// clientRecord is what the store holds for an app client: the wire shape
// (its secret included, as DescribeUserPoolClient returns it).
type clientRecord struct {
	UserPoolClientType
}

// domainRecord is a pool's domain.
type domainRecord struct {
	Domain     string
	UserPoolId string
}

// userRecord is what the store holds for a user.
type userRecord struct {
	Username     string
	Attributes   []AttributeType
	Created      awsapi.Timestamp
	Modified     awsapi.Timestamp
	Enabled      bool
	Status       string
	PasswordHash string   `json:",omitempty"`
	TempExpires  int64    `json:",omitempty"` // unix seconds: a temporary password's end
	Groups       []string `json:",omitempty"`
	// ConfirmationHash is the hash of the code SignUp sent, until confirmed.
	ConfirmationHash string `json:",omitempty"`
	// SignOutGeneration counts global sign-outs: a sign-in (and the
	// refresh token it issued) of an older generation is revoked.
	SignOutGeneration int
	Lockout           lockout
}

func (u *userRecord) attr(name string) string {
	for _, a := range u.Attributes {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

func (u *userRecord) wire() UserType {
	return UserType{Username: u.Username, Attributes: u.Attributes, UserCreateDate: u.Created, UserLastModifiedDate: u.Modified,
		Enabled: u.Enabled, UserStatus: u.Status}
}

// originRecord is one sign-in: its refresh token's hash, and what a
// refresh issues tokens for.
type originRecord struct {
	Username    string
	ClientId    string
	RefreshHash string
	AuthTime    int64
	Expires     int64 // the refresh token's end, unix seconds
	Generation  int   // the user's SignOutGeneration at sign-in
	Revoked     bool  `json:",omitempty"`
	OriginJTI   string
}

// sessionRecord is a pending challenge.
type sessionRecord struct {
	PoolId    string
	ClientId  string
	Username  string
	Challenge string
	Expires   int64
}
