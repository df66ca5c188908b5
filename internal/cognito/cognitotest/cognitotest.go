package cognitotest

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cognito"
	"github.com/portolan/portolan/internal/store"
)

// Env is a running Cognito.
type Env struct {
	Store   store.Store
	Cognito *cognito.Control
	// Endpoint is the AWS endpoint URL (http://localhost:PORT); the same
	// port serves the pools' endpoints by host name.
	Endpoint string
	// Dir holds the state: Start(t, InDir(e.Dir)) after e.Stop() is a
	// restart.
	Dir    string
	AWS    aws.Config
	Logger *slog.Logger
	Clock  *Clock
	// Codes holds the confirmation codes SignUp delivered, by user name.
	Codes *Codes
	stop  func()
}

// Clock is a clock a test moves: real time plus an offset, or, once
// frozen, a time that only Advance moves (for rules measured in seconds,
// which a loaded machine's real time would otherwise decide).
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	frozen time.Time
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen.IsZero() {
		return c.frozen.Add(c.offset)
	}
	return time.Now().Add(c.offset)
}

// Freeze stops the clock at its present time.
func (c *Clock) Freeze() {
	c.mu.Lock()
	c.frozen = time.Now()
	c.mu.Unlock()
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Codes are delivered confirmation codes.
type Codes struct {
	mu sync.Mutex
	m  map[string]string
}

// Get returns the last code delivered to a user.
func (c *Codes) Get(username string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[username]
}

func (c *Codes) deliver(_, username, code string) {
	c.mu.Lock()
	c.m[username] = code
	c.mu.Unlock()
}

// Option adjusts what Start runs.
type Option func(*options)

type options struct{ dir string }

// InDir keeps the state in dir (an earlier Env's Dir).
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// Start runs Cognito for the duration of the test and returns once its
// View has a first snapshot.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	st := awstest.OpenStore(t, o.dir, store.BoltOptions{})
	log := awstest.Logger()
	e := &Env{Store: st, Dir: o.dir, Logger: log, Clock: &Clock{}, Codes: &Codes{m: map[string]string{}}}
	e.Cognito = cognito.New(cognito.Config{Region: awstest.Region, AccountID: "000000000000", Store: st, Logger: log, Now: e.Clock.Now,
		Deliver: e.Codes.deliver})
	mux := awsapi.NewMux(log)
	e.Cognito.Register(mux)
	srv := awstest.Serve(t, e.Cognito.Endpoints(mux))
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")
	srv.Go("cognito", e.Cognito.Run)
	e.stop = srv.StopOnce(st)
	awstest.WaitReady(t, srv, "cognito view", e.Cognito.View())
	return e
}

// Stop shuts Cognito down and closes the store (Cleanup does it too).
func (e *Env) Stop() { e.stop() }

// Client is a cognito-idp client for the endpoint.
func (e *Env) Client() *cip.Client { return cip.NewFromConfig(e.AWS) }

// Host is name with the endpoint's port, as a client sends it.
func (e *Env) Host(name string) string {
	return name + e.Endpoint[strings.LastIndex(e.Endpoint, ":"):]
}

// Get sends GET path to the endpoint's port with the given Host.
func (e *Env) Get(t testing.TB, host, path string) *http.Response {
	t.Helper()
	return e.Do(t, mustRequest(t, http.MethodGet, e.Endpoint+path, host, ""))
}

// Do sends a request (its URL on the endpoint's port, its Host set).
func (e *Env) Do(t testing.TB, req *http.Request) *http.Response {
	t.Helper()
	req.URL.Host = strings.Replace(req.URL.Host, "localhost", "127.0.0.1", 1)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// PostForm builds a form POST to path with the given Host.
func (e *Env) PostForm(t testing.TB, host, path, form string) *http.Request {
	req := mustRequest(t, http.MethodPost, e.Endpoint+path, host, form)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func mustRequest(t testing.TB, method, url, host, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	return req
}

// Pool is a pool, a client allowed USER_PASSWORD_AUTH and admin sign-in,
// and a confirmed user alice with a permanent password.
type Pool struct {
	ID, ClientID, Username, Password string
}

// NewPool creates a Pool through c.
func NewPool(t testing.TB, c *cip.Client) Pool {
	t.Helper()
	ctx := context.Background()
	p, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	id := *p.UserPool.Id
	cl, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &id, ClientName: aws.String("web"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	pool := Pool{ID: id, ClientID: *cl.UserPoolClient.ClientId, Username: "alice", Password: "Corr3ct-horse!"}
	if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String(pool.Username),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("alice@example.com")}}, MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: aws.String(pool.Username),
		Password: aws.String(pool.Password), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	return pool
}

// SignIn signs a user in with USER_PASSWORD_AUTH.
func (p Pool) SignIn(ctx context.Context, c *cip.Client, username, password string) (*cip.InitiateAuthOutput, error) {
	return c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &p.ClientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password}})
}

// Refresh signs in again with a refresh token (REFRESH_TOKEN_AUTH).
func (p Pool) Refresh(ctx context.Context, c *cip.Client, token string) (*cip.InitiateAuthOutput, error) {
	return c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &p.ClientID, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": token}})
}
