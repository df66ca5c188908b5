package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/logs"
	"github.com/portolan/portolan/internal/store"
)

// GET /_portolan/logs?target=T[&follow=1][&since=10m] streams the log
// events of a target for `portolan logs`, one JSON LogLine per line, each
// flushed as it is written. The target is a log group name, an ECS service
// ("hello", or "cluster/hello" when several clusters have one), or a task
// id (or ARN): a service or a task reads the awslogs groups of its task
// definition, and only the streams of its own tasks.

// LogLine is one line of GET /_portolan/logs: an event, or the error that
// ended the stream.
type LogLine struct {
	Group   string    `json:"group,omitempty"`
	Stream  string    `json:"stream,omitempty"`
	Time    time.Time `json:"time,omitzero"`
	Message string    `json:"message"`
	Error   string    `json:"error,omitempty"`
}

// logSource is a log group and which of its streams a target owns (keep
// is nil for all of them).
type logSource struct {
	group string
	keep  func(stream string) bool
}

// targetError is a target that names nothing, or more than one thing.
type targetError struct{ msg string }

func (e *targetError) Error() string { return e.msg }

func (a *Admin) serveLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target := q.Get("target")
	if target == "" {
		jsonError(w, http.StatusBadRequest, "target is required: a log group, an ECS service or a task id")
		return
	}
	var since time.Time
	if v := q.Get("since"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			if since, err = time.Parse(time.RFC3339, v); err != nil {
				jsonError(w, http.StatusBadRequest, fmt.Sprintf("since %q is neither a duration (10m) nor an RFC 3339 time", v))
				return
			}
		} else {
			since = time.Now().Add(-d)
		}
	}
	follow := q.Get("follow") == "1" || q.Get("follow") == "true"

	// A follower streams until its client leaves or the server stops
	// (Shutdown waits for handlers, so they must end themselves).
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-a.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()

	sources, err := a.logSources(ctx, target)
	var te *targetError
	switch {
	case errors.As(err, &te):
		jsonError(w, http.StatusNotFound, te.msg)
		return
	case err != nil:
		a.log.Error("resolve logs target", "target", target, "err", err)
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := newLineStream(w)
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush() // the target exists: tell the client before any event does
	}
	err = a.tailSources(ctx, sources, since, follow, func(l LogLine) { out.send(l) })
	if err != nil && ctx.Err() == nil {
		out.send(LogLine{Error: err.Error()})
	}
}

// tailSources reads the sources' events. Without follow they come out in
// time order across groups; following, each group's in its own order.
func (a *Admin) tailSources(ctx context.Context, sources []logSource, since time.Time, follow bool, send func(LogLine)) error {
	if len(sources) == 1 || follow {
		var mu sync.Mutex
		g, ctx := errgroup.WithContext(ctx)
		for _, src := range sources {
			g.Go(func() error {
				return a.logs.Tail(ctx, logs.TailInput{Group: src.group, Since: since, Streams: src.keep, Follow: follow},
					func(stream string, t time.Time, msg string) {
						mu.Lock()
						defer mu.Unlock()
						send(LogLine{Group: src.group, Stream: stream, Time: t, Message: msg})
					})
			})
		}
		return g.Wait()
	}
	var lines []LogLine
	for _, src := range sources {
		err := a.logs.Tail(ctx, logs.TailInput{Group: src.group, Since: since, Streams: src.keep},
			func(stream string, t time.Time, msg string) {
				lines = append(lines, LogLine{Group: src.group, Stream: stream, Time: t, Message: msg})
			})
		if err != nil {
			return err
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
	for _, l := range lines {
		send(l)
	}
	return nil
}

// logSources resolves a target: a log group by that name first, then an
// ECS service, then a task.
func (a *Admin) logSources(ctx context.Context, target string) ([]logSource, error) {
	if ok, err := a.logs.HasLogGroup(ctx, target); err != nil {
		return nil, err
	} else if ok {
		return []logSource{{group: target}}, nil
	}
	clusters, err := a.clusterNames(ctx)
	if err != nil {
		return nil, err
	}
	if src, err := a.serviceLogSources(ctx, clusters, target); src != nil || err != nil {
		return src, err
	}
	if src, err := a.taskLogSources(ctx, clusters, target); src != nil || err != nil {
		return src, err
	}
	return nil, &targetError{fmt.Sprintf("%q is not a log group, an ECS service or a task id (`portolan status` lists them)", target)}
}

// serviceLogSources resolves "name", "cluster/name" or a service ARN.
func (a *Admin) serviceLogSources(ctx context.Context, clusters []string, target string) ([]logSource, error) {
	ref := target
	if rest, ok := awsapi.ResourceOf(target, "ecs", "service"); ok {
		ref = rest
	}
	in := clusters
	name := ref
	if cl, n, ok := strings.Cut(ref, "/"); ok {
		if cl == "" || n == "" || strings.Contains(n, "/") || !slices.Contains(clusters, cl) {
			return nil, nil
		}
		in, name = []string{cl}, n
	}
	var found []*ecs.Service
	var foundIn []string
	for _, cluster := range in {
		d, err := a.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: cluster, Services: []string{name}})
		if err != nil {
			continue // not a name ECS accepts
		}
		for _, svc := range d.Services {
			found = append(found, svc)
			foundIn = append(foundIn, cluster)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, &targetError{fmt.Sprintf("service %s is in clusters %s: say which, as CLUSTER/%s", name, strings.Join(foundIn, ", "), name)}
	}
	svc, cluster := found[0], foundIn[0]

	// The awslogs driver names streams prefix/container/task-id: the
	// service's streams are those of its containers and its tasks.
	defs := []string{svc.TaskDefinition}
	for _, d := range svc.Deployments {
		defs = append(defs, d.TaskDefinition)
	}
	pairs := map[string]map[string]bool{} // group → "prefix/container/"
	var groups []string
	for _, arn := range defs {
		td, err := a.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: arn})
		if err != nil {
			return nil, err
		}
		for group, prefix := range awslogsStreams(td.TaskDefinition) {
			if pairs[group] == nil {
				pairs[group] = map[string]bool{}
				groups = append(groups, group)
			}
			for _, p := range prefix {
				pairs[group][p] = true
			}
		}
	}
	if len(groups) == 0 {
		return nil, &targetError{fmt.Sprintf("service %s/%s has no container that logs with the awslogs driver", cluster, name)}
	}
	var mu sync.Mutex
	member := map[string]bool{}
	isMember := func(id string) (yes, known bool) {
		mu.Lock()
		defer mu.Unlock()
		if yes, known = member[id]; known {
			return yes, true
		}
		t, err := a.ecs.Task(ctx, cluster, id)
		if err != nil {
			return false, false // a task ECS no longer knows
		}
		member[id] = t.Group == "service:"+svc.ServiceName
		return member[id], true
	}
	var out []logSource
	for _, group := range groups {
		prefixes := pairs[group]
		out = append(out, logSource{group: group, keep: func(stream string) bool {
			i := strings.LastIndex(stream, "/")
			if yes, known := isMember(stream[i+1:]); known {
				return yes
			}
			return i >= 0 && prefixes[stream[:i+1]]
		}})
	}
	return out, nil
}

// awslogsStreams returns, for each awslogs group of a task definition, the
// stream name prefixes ("prefix/container/") its containers write.
func awslogsStreams(td *ecs.TaskDefinition) map[string][]string {
	out := map[string][]string{}
	for _, c := range td.ContainerDefinitions {
		lc := c.LogConfiguration
		if lc == nil || lc.LogDriver != "awslogs" || lc.Options["awslogs-group"] == "" {
			continue
		}
		group, prefix := lc.Options["awslogs-group"], ""
		if p := lc.Options["awslogs-stream-prefix"]; p != "" {
			prefix = p + "/" + c.Name + "/"
		}
		out[group] = append(out[group], prefix)
	}
	return out
}

// taskLogSources resolves a task id or ARN.
func (a *Admin) taskLogSources(ctx context.Context, clusters []string, target string) ([]logSource, error) {
	id, in := target, clusters
	if rest, ok := awsapi.ResourceOf(target, "ecs", "task"); ok {
		cl, tid, ok := strings.Cut(rest, "/")
		if !ok {
			return nil, nil
		}
		id, in = tid, []string{cl}
	}
	if strings.Contains(id, "/") {
		return nil, nil
	}
	for _, cluster := range in {
		t, err := a.ecs.Task(ctx, cluster, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		td, err := a.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: t.TaskDefinitionArn})
		if err != nil {
			return nil, err
		}
		streams := awslogsStreams(td.TaskDefinition)
		if len(streams) == 0 {
			return nil, &targetError{fmt.Sprintf("task %s has no container that logs with the awslogs driver", id)}
		}
		var out []logSource
		for group := range streams {
			out = append(out, logSource{group: group, keep: func(stream string) bool {
				return stream == id || strings.HasSuffix(stream, "/"+id)
			}})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].group < out[j].group })
		return out, nil
	}
	return nil, nil
}
