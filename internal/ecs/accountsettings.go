package ecs

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Account settings are stored per principal and setting name. Portolan
// verifies no IAM identity, so a setting without principalArn belongs to
// the account root, which is also what PutAccountSettingDefault sets and
// what every principal falls back to. One setting changes behaviour here:
// containerInsights is the default of clusters created without it.

// accountSettingValues lists each setting ECS has and the values it takes.
var accountSettingValues = map[string][]string{
	"serviceLongArnFormat":            {"enabled", "disabled"},
	"taskLongArnFormat":               {"enabled", "disabled"},
	"containerInstanceLongArnFormat":  {"enabled", "disabled"},
	"awsvpcTrunking":                  {"enabled", "disabled"},
	"containerInsights":               {"enabled", "disabled", "enhanced"},
	"fargateFIPSMode":                 {"enabled", "disabled"},
	"tagResourceAuthorization":        {"on", "off"},
	"fargateTaskRetirementWaitPeriod": {"0", "7", "14"},
	"guardDutyActivate":               {"on", "off"},
	"defaultLogDriverMode":            {"blocking", "non-blocking"},
}

// awsDefaults is what ListAccountSettings with effectiveSettings reports for
// a setting nobody has put: AWS's own defaults for accounts made today.
var awsDefaults = map[string]string{
	"serviceLongArnFormat":            "enabled",
	"taskLongArnFormat":               "enabled",
	"containerInstanceLongArnFormat":  "enabled",
	"awsvpcTrunking":                  "disabled",
	"containerInsights":               "disabled",
	"fargateFIPSMode":                 "disabled",
	"tagResourceAuthorization":        "on",
	"fargateTaskRetirementWaitPeriod": "7",
	"guardDutyActivate":               "off",
	"defaultLogDriverMode":            "non-blocking",
}

// Setting is an account setting as ECS reports it.
type Setting struct {
	Name         string `json:"name"`
	Value        string `json:"value"`
	PrincipalArn string `json:"principalArn"`
	Type         string `json:"type"` // "user" when put, "aws_managed" for AWS's default
}

type PutAccountSettingInput struct {
	Name         string `json:"name"`
	Value        string `json:"value"`
	PrincipalArn string `json:"principalArn"`
}

type SettingOutput struct {
	Setting Setting `json:"setting"`
}

type DeleteAccountSettingInput struct {
	Name         string `json:"name"`
	PrincipalArn string `json:"principalArn"`
}

type ListAccountSettingsInput struct {
	Name              string `json:"name"`
	Value             string `json:"value"`
	PrincipalArn      string `json:"principalArn"`
	EffectiveSettings bool   `json:"effectiveSettings"`
	MaxResults        *int32 `json:"maxResults"`
	NextToken         string `json:"nextToken"`
}

type ListAccountSettingsOutput struct {
	Settings  []Setting `json:"settings"`
	NextToken *string   `json:"nextToken,omitempty"`
}

// PutAccountSetting sets a setting for a principal (AWS PutAccountSetting).
func (c *Control) PutAccountSetting(ctx context.Context, in *PutAccountSettingInput) (*SettingOutput, error) {
	principal, err := c.settingPrincipal(in.PrincipalArn)
	if err != nil {
		return nil, err
	}
	return c.putSetting(ctx, Setting{Name: in.Name, Value: in.Value, PrincipalArn: principal, Type: "user"})
}

// PutAccountSettingDefault sets a setting for the whole account (AWS
// PutAccountSettingDefault).
func (c *Control) PutAccountSettingDefault(ctx context.Context, in *PutAccountSettingInput) (*SettingOutput, error) {
	return c.putSetting(ctx, Setting{Name: in.Name, Value: in.Value, PrincipalArn: c.rootARN(), Type: "user"})
}

func (c *Control) putSetting(ctx context.Context, s Setting) (*SettingOutput, error) {
	if err := checkSettingName(s.Name); err != nil {
		return nil, err
	}
	if !slices.Contains(accountSettingValues[s.Name], s.Value) {
		return nil, invalidParameter("%s is not a valid value for %s: use one of %s.", s.Value, s.Name, strings.Join(accountSettingValues[s.Name], ", "))
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		return store.Txn{Then: []store.Op{store.Put(accountSettingKey(s.PrincipalArn, s.Name), store.JSON(s))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &SettingOutput{Setting: s}, nil
}

// DeleteAccountSetting removes a principal's setting, which then falls back
// to the account's default (AWS DeleteAccountSetting).
func (c *Control) DeleteAccountSetting(ctx context.Context, in *DeleteAccountSettingInput) (*SettingOutput, error) {
	if err := checkSettingName(in.Name); err != nil {
		return nil, err
	}
	principal, err := c.settingPrincipal(in.PrincipalArn)
	if err != nil {
		return nil, err
	}
	var out SettingOutput
	err = c.commit(ctx, func() (store.Txn, error) {
		s, kv, err := store.GetJSON[Setting](ctx, c.st, accountSettingKey(principal, in.Name))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, invalidParameter("The specified setting %s is not set for %s.", in.Name, principal)
		} else if err != nil {
			return store.Txn{}, err
		}
		out.Setting = *s
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAccountSettings lists the settings put, filtered; with
// effectiveSettings, the one in force for the principal for every setting
// name (its own, else the account's default, else AWS's).
func (c *Control) ListAccountSettings(ctx context.Context, in *ListAccountSettingsInput) (*ListAccountSettingsOutput, error) {
	if in.Name != "" {
		if err := checkSettingName(in.Name); err != nil {
			return nil, err
		}
	}
	if in.Value != "" && in.Name == "" {
		return nil, invalidParameter("value can be specified only with name.")
	}
	principal, err := c.settingPrincipal(in.PrincipalArn)
	if err != nil {
		return nil, err
	}
	kvs, _, err := c.st.List(ctx, accountSettingsPrefix)
	if err != nil {
		return nil, err
	}
	put := map[string]Setting{} // principal + "\x00" + name
	for _, kv := range kvs {
		if s := store.DecodeJSON[Setting](kv.Value); s != nil {
			put[s.PrincipalArn+"\x00"+s.Name] = *s
		}
	}
	var settings []Setting
	if in.EffectiveSettings {
		for _, name := range sortedKeys(accountSettingValues) {
			settings = append(settings, c.effectiveSetting(put, principal, name))
		}
	} else {
		for _, key := range sortedKeys(put) {
			if s := put[key]; in.PrincipalArn == "" || s.PrincipalArn == principal {
				settings = append(settings, s)
			}
		}
	}
	settings = slices.DeleteFunc(settings, func(s Setting) bool {
		return (in.Name != "" && s.Name != in.Name) || (in.Value != "" && s.Value != in.Value)
	})
	page, next, err := awsapi.Paginate(listPager, settings, func(s Setting) string { return s.PrincipalArn + "\x00" + s.Name }, in.NextToken, intOf(in.MaxResults))
	if err != nil {
		return nil, err
	}
	return &ListAccountSettingsOutput{Settings: nonNil(page), NextToken: awsapi.StringPtr(next)}, nil
}

func (c *Control) effectiveSetting(put map[string]Setting, principal, name string) Setting {
	for _, p := range []string{principal, c.rootARN()} {
		if s, ok := put[p+"\x00"+name]; ok {
			s.PrincipalArn = principal
			return s
		}
	}
	return Setting{Name: name, Value: awsDefaults[name], PrincipalArn: principal, Type: "aws_managed"}
}

// accountSetting is the value in force for the account for a setting.
func (c *Control) accountSetting(ctx context.Context, name string) (string, error) {
	s, _, err := store.GetJSON[Setting](ctx, c.st, accountSettingKey(c.rootARN(), name))
	if errors.Is(err, store.ErrNotFound) {
		return awsDefaults[name], nil
	} else if err != nil {
		return "", err
	}
	return s.Value, nil
}

// settingPrincipal is the principal a request names: an IAM user or role
// ARN, or the account root when it names none.
func (c *Control) settingPrincipal(arn string) (string, error) {
	if arn == "" {
		return c.rootARN(), nil
	}
	a, ok := awsapi.ParseARN(arn)
	if !ok || a.Service != "iam" || !(a.Resource == "root" || strings.HasPrefix(a.Resource, "user/") || strings.HasPrefix(a.Resource, "role/")) {
		return "", invalidParameter("principalArn %s is not the ARN of an IAM user, role or the root user.", arn)
	}
	return arn, nil
}

func (c *Control) rootARN() string { return awsapi.AccountRootARN(c.cfg.AccountID) }

func checkSettingName(name string) error {
	if _, ok := accountSettingValues[name]; !ok {
		return invalidParameter("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy enum value set: [%s]", name, strings.Join(sortedKeys(accountSettingValues), ", "))
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
