package taskcreds

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/sts"
)

// Path is where the endpoint is served: Path + the task's id.
const Path = "/_portolan/task-credentials/"

// Store layout: one record per task that has a role.
const keyPrefix = "taskcreds/"

func taskKey(taskID string) string { return keyPrefix + taskID }

// sessionLength is how long a task's credentials last, as ECS issues them;
// they are renewed once less than refreshBefore is left (the SDKs refresh
// a few minutes before Expiration).
const (
	sessionLength = 6 * time.Hour
	refreshBefore = 30 * time.Minute
)

// Config is what the Provider needs.
type Config struct {
	Store  store.Store
	STS    *sts.Control
	Roles  sts.Roles
	Region string
	// Endpoint is the api's URL as a task reaches it (http://127.0.0.1:4566);
	// "" when tasks cannot reach it, and then they are told nothing.
	Endpoint string
	Now      func() time.Time
	Logger   *slog.Logger
}

// Provider tells tasks where their credentials are and serves them.
type Provider struct {
	cfg Config
}

// New returns a Provider.
func New(cfg Config) *Provider {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Provider{cfg: cfg}
}

// record is a task's token and its current credentials.
type record struct {
	TaskID      string
	TaskArn     string
	RoleArn     string
	Token       string
	Credentials *sts.Credentials `json:",omitempty"`
}

// Environment is what a container of the task is told besides its
// definition's environment.
func (p *Provider) Environment(ctx context.Context, rec *ecs.TaskRecord) (map[string]string, error) {
	if p.cfg.Endpoint == "" {
		return nil, nil
	}
	// A task's SDK calls go to its own region, the one in its ARN.
	region := p.cfg.Region
	if arn, ok := awsapi.ParseARN(rec.TaskArn); ok && arn.Region != "" {
		region = arn.Region
	}
	env := map[string]string{"AWS_ENDPOINT_URL": p.cfg.Endpoint, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
	role := rec.Definition.TaskRoleArn
	if role == "" {
		return env, nil
	}
	token, err := p.token(ctx, rec.TaskID, rec.TaskArn, role)
	if err != nil {
		return nil, err
	}
	env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = p.cfg.Endpoint + Path + rec.TaskID
	env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token
	return env, nil
}

// token is the task's token, made at its first container's start.
func (p *Provider) token(ctx context.Context, taskID, taskArn, role string) (string, error) {
	var token string
	_, err := store.Retry(ctx, p.cfg.Store, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[record](ctx, p.cfg.Store, taskKey(taskID))
		switch {
		case err == nil && rec.RoleArn == role:
			token = rec.Token
			return store.Txn{}, nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return store.Txn{}, err
		}
		b := make([]byte, 32)
		rand.Read(b)
		token = hex.EncodeToString(b)
		fresh := record{TaskID: taskID, TaskArn: taskArn, RoleArn: role, Token: token}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(taskKey(taskID), store.JSON(fresh))}}, nil
	})
	return token, err
}

// Release forgets a task's token once the task is gone: its credentials
// then expire on their own, as on ECS.
func (p *Provider) Release(ctx context.Context, rec *ecs.TaskRecord) error {
	if rec.Definition.TaskRoleArn == "" {
		return nil // it never had a record: spare the store a write
	}
	_, err := p.cfg.Store.Commit(ctx, store.Txn{Then: []store.Op{store.Delete(taskKey(rec.TaskID))}})
	return err
}

// response is the credentials document the SDKs' container providers read.
type response struct {
	AccessKeyId     string
	SecretAccessKey string
	Token           string
	Expiration      time.Time
	RoleArn         string
}

// errorBody is how the ECS agent's endpoint words a refusal.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ServeHTTP answers GET Path+taskID with the task role's credentials, to
// a caller that sends the task's token.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	taskID := r.PathValue("task")
	rec, kv, err := store.GetJSON[record](r.Context(), p.cfg.Store, taskKey(taskID))
	if err != nil || subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(rec.Token)) != 1 {
		// An unknown task and a wrong token look the same to the caller.
		writeJSON(w, http.StatusUnauthorized, errorBody{"AccessDenied", "The authorization token is not valid for this task."})
		return
	}
	if rec.Credentials == nil || rec.Credentials.Expiration.Sub(p.cfg.Now()) < refreshBefore {
		if rec.Credentials, err = p.issue(r.Context(), rec); err != nil {
			p.cfg.Logger.Warn("task role credentials", "taskArn", rec.TaskArn, "roleArn", rec.RoleArn, "err", err)
			writeJSON(w, http.StatusBadRequest, errorBody{"InvalidRole", err.Error()})
			return
		}
		// A lost race only means two sessions; both are valid.
		p.cfg.Store.Commit(r.Context(), store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(rec))}})
	}
	c := rec.Credentials
	writeJSON(w, http.StatusOK, response{AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken, Expiration: c.Expiration.UTC(), RoleArn: rec.RoleArn})
}

func (p *Provider) issue(ctx context.Context, rec *record) (*sts.Credentials, error) {
	role, err := p.cfg.Roles.RoleByARN(ctx, rec.RoleArn)
	if err != nil {
		return nil, err
	}
	// ECS names the session after the task (its id).
	s, err := p.cfg.STS.IssueRoleSession(ctx, role, rec.TaskID, sessionLength)
	if err != nil {
		return nil, err
	}
	return &s.Credentials, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
