package admin

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"sort"
	"time"

	"github.com/portolan/portolan/internal/cloudformation"
)

// The web console at /_portolan/console/: one page (embedded, no external
// assets) drawing the status view as the reference diagram does, APIs →
// routes → integrations → VPC links → Cloud Map services → ECS services →
// tasks, with the stacks' recent events. GET /_portolan/console/events is
// a server-sent event stream of ConsoleView documents: one at once, then
// one after every store change that changes what it shows. Task logs are
// tailed from /_portolan/logs. Everything is read-only.

//go:embed console
var consoleFiles embed.FS

// Stacks is the CloudFormation read API the console lists stacks' events
// through.
type Stacks interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput) (*cloudformation.DescribeStacksOutput, error)
	DescribeStackEvents(ctx context.Context, in *cloudformation.DescribeStackEventsInput) (*cloudformation.DescribeStackEventsOutput, error)
}

// ConsoleView is one document of the console's event stream.
type ConsoleView struct {
	Status *Status        `json:"status"`
	Stacks []ConsoleStack `json:"stacks"`
	// Rates are the live request rates on the diagram's edges (rates.go).
	Rates *ConsoleRates `json:"rates"`
	// DNS is each Cloud Map service's records as the DNS server answers
	// them (dnsview.go); null without a DNS server.
	DNS []ConsoleDNSName `json:"dns"`
}

// ConsoleStack is a stack and its latest events, newest first.
type ConsoleStack struct {
	Name   string              `json:"name"`
	Status string              `json:"status"`
	Events []ConsoleStackEvent `json:"events"`
}

// ConsoleStackEvent is one stack event.
type ConsoleStackEvent struct {
	Time     time.Time `json:"time"`
	Resource string    `json:"resource"` // logical id
	Type     string    `json:"type"`
	Status   string    `json:"status"`
	Reason   string    `json:"reason,omitempty"`
}

// consoleEvents is how many events of each stack the console shows.
const consoleEvents = 15

func (a *Admin) registerConsole(mux *http.ServeMux) {
	static, _ := fs.Sub(consoleFiles, "console")
	files := http.StripPrefix("/_portolan/console/", http.FileServerFS(static))
	mux.HandleFunc("GET /_portolan/console/", a.authenticated(func(w http.ResponseWriter, r *http.Request) {
		if t := r.URL.Query().Get("token"); t != "" && a.hasToken(r) {
			// The page's own requests (the event stream, logs) carry the
			// token as a cookie from here on.
			http.SetCookie(w, &http.Cookie{Name: TokenCookie, Value: t, Path: "/_portolan/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
	mux.HandleFunc("GET /_portolan/console/events", a.authenticated(a.serveConsoleEvents))
}

// serveConsoleEvents streams ConsoleViews until the client leaves or the
// api listener shuts down.
func (a *Admin) serveConsoleEvents(w http.ResponseWriter, r *http.Request) {
	f, ok := w.(http.Flusher)
	if !ok || a.store == nil {
		jsonError(w, http.StatusInternalServerError, "streaming is not available")
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if a.stopping != nil {
		// Ends with the request at the latest.
		go func() {
			select {
			case <-a.stopping:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	changed := a.changes(ctx)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	var last []byte
	var meter rateMeter
	// The view is also rebuilt every few seconds, for the request rates;
	// a comment line now and then keeps proxies from closing an idle stream.
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	idle := 0
	for {
		view, err := a.consoleView(ctx, &meter)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			a.log.Warn("console view", "err", err)
		} else if b, _ := json.Marshal(view); string(b) != string(last) {
			last = b
			w.Write([]byte("event: view\ndata: "))
			w.Write(b)
			w.Write([]byte("\n\n"))
			f.Flush()
			idle = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-tick.C:
			if idle++; idle%8 == 0 {
				w.Write([]byte(": keep-alive\n\n"))
				f.Flush()
			}
		}
	}
}

// changes signals (coalesced) when anything in the store changes; log
// events are not watched by the store, so a chatty task does not make
// the console rebuild its view. The first watch starts before it returns,
// so no change after the first view is missed; the goroutine ends with ctx.
func (a *Admin) changes(ctx context.Context) <-chan struct{} {
	out := make(chan struct{}, 1)
	first, err := a.store.Watch(ctx, "", a.store.Revision())
	if err != nil {
		first = nil
	}
	go func() {
		for ctx.Err() == nil {
			ch, err := first, error(nil)
			if ch == nil {
				ch, err = a.store.Watch(ctx, "", a.store.Revision())
			}
			first = nil
			if err != nil {
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
				continue
			}
			for range ch {
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out
}

// consoleView collects what the console shows; meter keeps the stream's
// counter readings for the rates.
func (a *Admin) consoleView(ctx context.Context, meter *rateMeter) (*ConsoleView, error) {
	st, err := a.Status(ctx)
	if err != nil {
		return nil, err
	}
	v := &ConsoleView{Status: st, Stacks: []ConsoleStack{}, Rates: meter.rates(a.readCounters(time.Now())), DNS: a.dnsView(st)}
	if a.stacks == nil {
		return v, nil
	}
	stacks, err := a.stacks.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
	if err != nil {
		return nil, err
	}
	for _, s := range stacks.Stacks {
		cs := ConsoleStack{Name: s.StackName, Status: s.StackStatus, Events: []ConsoleStackEvent{}}
		evs, err := a.stacks.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: s.StackId})
		if err != nil {
			return nil, err
		}
		for i, e := range evs.StackEvents {
			if i == consoleEvents {
				break
			}
			cs.Events = append(cs.Events, ConsoleStackEvent{Time: e.Timestamp, Resource: e.LogicalResourceId, Type: e.ResourceType,
				Status: e.ResourceStatus, Reason: e.ResourceStatusReason})
		}
		v.Stacks = append(v.Stacks, cs)
	}
	sort.Slice(v.Stacks, func(i, j int) bool { return v.Stacks[i].Name < v.Stacks[j].Name })
	return v, nil
}
