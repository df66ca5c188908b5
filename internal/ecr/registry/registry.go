package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem" // the storage driver, registered by name
	"github.com/sirupsen/logrus"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/ecr"
	"github.com/portolan/portolan/internal/graceful"
)

// Repositories is what the registry asks of ECR (ecr.Control).
type Repositories interface {
	View() *ecr.View
	VerifyPassword(password string, now time.Time) error
	CheckPush(repo, tag, digest string) error
	RecordPush(ctx context.Context, p ecr.Push) error
	Password(ctx context.Context, expires time.Time) (string, error)
	RegistryHost() string
	AccountID() string
	Region() string
}

// Config is what a Registry needs.
type Config struct {
	// Dir holds the blobs and manifests.
	Dir    string
	ECR    Repositories
	Logger *slog.Logger
}

// Registry serves the distribution API for ECR's repositories.
type Registry struct {
	cfg Config
	app *handlers.App
	log *slog.Logger
}

// maxManifest is the largest manifest ECR accepts (4 MiB).
const maxManifest = 4 << 20

// New makes the registry over its storage directory.
func New(ctx context.Context, cfg Config) (*Registry, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Dir == "" || cfg.ECR == nil {
		return nil, errors.New("registry: Dir and ECR are required")
	}
	// The library logs through logrus' standard logger, a 404 (which a
	// push meets for every layer it checks) as an error: its lines go to
	// our log at debug level; what matters reaches the client and is
	// logged where it is handled.
	// (The standard logger is the library's global: one registry per
	// process is the use, the latest one's logger takes its lines.)
	logrus.SetOutput(io.Discard)
	logrus.StandardLogger().ReplaceHooks(logrus.LevelHooks{})
	logrus.AddHook(debugHook{cfg.Logger})
	conf := &configuration.Configuration{Storage: configuration.Storage{
		"filesystem": configuration.Parameters{"rootdirectory": cfg.Dir},
		// Portolan owns every goroutine: no background purger.
		"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
	}}
	conf.Log.AccessLog.Disabled = true
	conf.HTTP.Secret = awsapi.RandomHex(32)
	var app *handlers.App
	err := func() (err error) {
		// NewApp panics on a storage it cannot open.
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("registry storage %s: %v", cfg.Dir, p)
			}
		}()
		app = handlers.NewApp(ctx, conf)
		return nil
	}()
	if err != nil {
		return nil, err
	}
	return &Registry{cfg: cfg, app: app, log: cfg.Logger}, nil
}

// Serve serves the registry on ln until ctx ends.
func (g *Registry) Serve(ctx context.Context, ln net.Listener) error {
	defer g.app.Shutdown()
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	return graceful.Serve(ctx, srv, ln, 5*time.Second)
}

func (g *Registry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if status, message := g.authenticate(r); status != 0 {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Basic realm="https://%s.dkr.ecr.%s.amazonaws.com/",service="ecr.amazonaws.com"`, g.cfg.ECR.AccountID(), g.cfg.ECR.Region()))
		writeError(w, status, "DENIED", message)
		return
	}
	rt := parseRoute(r.URL.Path)
	snap := g.cfg.ECR.View().Snapshot()
	switch rt.kind {
	case routeBase:
		g.app.ServeHTTP(w, r)
		return
	case routeUnknown:
		writeError(w, http.StatusNotFound, "NOT_FOUND", "404 page not found")
		return
	case routeCatalog:
		writeError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
		return
	}
	if !snap.HasRepository(rt.name) {
		writeError(w, http.StatusNotFound, "NAME_UNKNOWN", fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", rt.name, g.cfg.ECR.AccountID()))
		return
	}
	switch rt.kind {
	case routeUpload:
		g.app.ServeHTTP(w, withoutForeignMount(r, snap))
	case routeTags:
		g.tags(w, r, snap, rt.name)
	case routeManifest:
		g.manifest(w, r, snap, rt)
	default:
		g.app.ServeHTTP(w, r)
	}
}

// withoutForeignMount drops a cross-repository mount from a repository
// ECR does not have (one deleted, say, whose blobs are still stored): the
// client then uploads the blob, as after any mount the registry declines.
func withoutForeignMount(r *http.Request, snap *ecr.Snapshot) *http.Request {
	q := r.URL.Query()
	if from := q.Get("from"); r.Method != http.MethodPost || from == "" || snap.HasRepository(from) {
		return r
	}
	q.Del("from")
	q.Del("mount")
	r = r.Clone(r.Context())
	r.URL.RawQuery = q.Encode()
	return r
}

// authenticate accepts HTTP Basic with user AWS and an ECR password;
// otherwise it returns the status and ECR's words.
func (g *Registry) authenticate(r *http.Request) (status int, message string) {
	const invalid = "Your authorization token is invalid."
	user, password, ok := r.BasicAuth()
	switch {
	case !ok:
		return http.StatusUnauthorized, "Not Authorized"
	case user != ecr.TokenUser:
		return http.StatusUnauthorized, invalid
	}
	switch err := g.cfg.ECR.VerifyPassword(password, time.Now()); {
	case errors.Is(err, ecr.ErrExpiredToken):
		return http.StatusForbidden, "Your authorization token has expired. Reauthenticate and try again."
	case err != nil:
		return http.StatusUnauthorized, invalid
	}
	return 0, ""
}

// tags lists the repository's tags from ECR's records.
func (g *Registry) tags(w http.ResponseWriter, r *http.Request, snap *ecr.Snapshot, name string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
		return
	}
	tags := snap.Tags(name)
	if tags == nil {
		tags = []string{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{name, tags})
}

// manifest serves a manifest by the digest ECR resolves its reference
// to, and records a pushed one in ECR.
func (g *Registry) manifest(w http.ResponseWriter, r *http.Request, snap *ecr.Snapshot, rt route) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		digest, ok := snap.Resolve(rt.name, rt.reference)
		if !ok {
			writeError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "Requested image not found")
			return
		}
		r = r.Clone(r.Context())
		r.URL.Path, r.URL.RawPath = "/v2/"+rt.name+"/manifests/"+digest, ""
		g.app.ServeHTTP(w, r)
	case http.MethodPut:
		g.putManifest(w, r, rt)
	default:
		writeError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
	}
}

func (g *Registry) putManifest(w http.ResponseWriter, r *http.Request, rt route) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxManifest+1))
	if err != nil {
		return
	}
	if len(body) > maxManifest {
		writeError(w, http.StatusRequestEntityTooLarge, "MANIFEST_INVALID", "manifest too large")
		return
	}
	push := ecr.Push{Repository: rt.name, Digest: ecr.Digest(body), MediaType: r.Header.Get("Content-Type"), Manifest: body}
	if isDigest(rt.reference) {
		if rt.reference != push.Digest {
			writeError(w, http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content")
			return
		}
	} else {
		push.Tag = rt.reference
	}
	if err := g.cfg.ECR.CheckPush(push.Repository, push.Tag, push.Digest); err != nil {
		writeError(w, http.StatusBadRequest, "TAG_INVALID", awsMessage(err))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{header: http.Header{}}
	g.app.ServeHTTP(rec, r)
	if rec.status == http.StatusCreated {
		if err := g.cfg.ECR.RecordPush(r.Context(), push); err != nil {
			status, code := http.StatusInternalServerError, "UNKNOWN"
			if errors.Is(err, ecr.ErrImageTagAlreadyExists) {
				status, code = http.StatusBadRequest, "TAG_INVALID"
			}
			g.log.Warn("pushed manifest not recorded", "repositoryName", rt.name, "imageDigest", push.Digest, "err", err)
			writeError(w, status, code, awsMessage(err))
			return
		}
	}
	rec.replay(w)
}

func awsMessage(err error) string {
	if e := awsapi.AsError(err); e != nil {
		return e.Message
	}
	return err.Error()
}

// writeError answers as the distribution API does.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`+"\n", code, message)
}

// recorder holds a response (a manifest PUT's, which is small) until ECR
// has recorded the manifest.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func (r *recorder) replay(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(cmpStatus(r.status))
	w.Write(r.body.Bytes())
}

func cmpStatus(s int) int {
	if s == 0 {
		return http.StatusOK
	}
	return s
}

// HostAlias is the name the registry answers to besides its address:
// <account>.dkr.ecr.<region>.localhost, where *.localhost resolves to
// loopback (systemd-resolved, browsers, macOS).
func HostAlias(account, region string) string {
	return account + ".dkr.ecr." + region + ".localhost"
}

// debugHook hands the library's log lines to slog at debug level.
type debugHook struct{ log *slog.Logger }

func (debugHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h debugHook) Fire(e *logrus.Entry) error {
	h.log.Debug("registry: "+e.Message, "level", e.Level.String())
	return nil
}
