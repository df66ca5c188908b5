package ecr

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// TokenUser is the user name every ECR authorization token goes with.
const TokenUser = "AWS"

type GetAuthorizationTokenInput struct {
	RegistryIds []string
}

type AuthorizationData struct {
	AuthorizationToken string           `json:"authorizationToken"`
	ExpiresAt          awsapi.Timestamp `json:"expiresAt"`
	ProxyEndpoint      string           `json:"proxyEndpoint"`
}

type GetAuthorizationTokenOutput struct {
	AuthorizationData []AuthorizationData `json:"authorizationData"`
}

// GetAuthorizationToken returns base64("AWS:<password>"), the password
// being good for the registry until expiresAt (what `aws ecr
// get-login-password` prints is the password).
func (c *Control) GetAuthorizationToken(ctx context.Context, in *GetAuthorizationTokenInput) (*GetAuthorizationTokenOutput, error) {
	for _, id := range in.RegistryIds {
		if err := c.checkRegistry(id); err != nil {
			return nil, err
		}
	}
	expires := awsapi.Timestamp(time.Now().Add(c.cfg.TokenTTL).Truncate(time.Second))
	password, err := c.Password(ctx, expires.Time())
	if err != nil {
		return nil, err
	}
	return &GetAuthorizationTokenOutput{[]AuthorizationData{{
		AuthorizationToken: base64.StdEncoding.EncodeToString([]byte(TokenUser + ":" + password)),
		ExpiresAt:          expires, ProxyEndpoint: "http://" + c.cfg.RegistryHost}}}, nil
}

// claims is what a password says: whose registry, until when.
type claims struct {
	Account string `json:"a"`
	Expires int64  `json:"e"`
}

// Password makes a registry password good until expires.
func (c *Control) Password(ctx context.Context, expires time.Time) (string, error) {
	key, err := c.signingKey(ctx)
	if err != nil {
		return "", err
	}
	b, _ := json.Marshal(claims{Account: c.cfg.AccountID, Expires: expires.Unix()})
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + sign(key, payload), nil
}

func sign(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Token errors, for the registry to word as ECR does.
var (
	ErrBadToken     = errors.New("invalid authorization token")
	ErrExpiredToken = errors.New("authorization token has expired")
)

// VerifyPassword checks a registry password (the part of the token after
// "AWS:"): ErrBadToken if this registry did not make it, ErrExpiredToken
// if it is past its time.
func (c *Control) VerifyPassword(password string, now time.Time) error {
	return verify(c.snapshot().SigningKey, c.cfg.AccountID, password, now)
}

// verify checks a password against the signing key and the account.
func verify(key []byte, account, password string, now time.Time) error {
	payload, sig, ok := strings.Cut(password, ".")
	if !ok || key == nil || !hmac.Equal([]byte(sig), []byte(sign(key, payload))) {
		return ErrBadToken
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	var cl claims
	if err != nil || json.Unmarshal(b, &cl) != nil || cl.Account != account {
		return ErrBadToken
	}
	if now.Unix() >= cl.Expires {
		return ErrExpiredToken
	}
	return nil
}

// signingKey is the key tokens are signed with, made on first use.
func (c *Control) signingKey(ctx context.Context) ([]byte, error) {
	if k := c.snapshot().SigningKey; k != nil {
		return k, nil
	}
	key := make([]byte, 32)
	rand.Read(key)
	err := c.commit(ctx, func() (store.Txn, error) {
		if kv, err := c.st.Get(ctx, signingKeyKey); err == nil {
			// Another call made it: verify only once the view has it.
			key = kv.Value
			c.view.WaitRevision(ctx, kv.ModRevision)
			return store.Txn{}, errKeyExists
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Absent(signingKeyKey)}, Then: []store.Op{store.Put(signingKeyKey, key)}}, nil
	})
	if err != nil && !errors.Is(err, errKeyExists) {
		return nil, err
	}
	return key, nil
}

var errKeyExists = errors.New("signing key exists")
