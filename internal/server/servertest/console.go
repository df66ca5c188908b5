package servertest

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/admin"
)

// ConsoleShows reads the console's event stream while GETs of url (with
// Host host, when set) keep coming, until a view satisfies shows; it
// fails t after a minute, printing the last view.
func ConsoleShows(t testing.TB, env *Env, url, host, what string, shows func(*admin.ConsoleView) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+env.Server.APIAddr()+"/_portolan/console/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	go func() { // the load, until the test has seen its rate
		client := &http.Client{Timeout: 5 * time.Second}
		for ctx.Err() == nil {
			r, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if host != "" {
				r.Host = host
			}
			if resp, err := client.Do(r); err == nil {
				resp.Body.Close()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	var last string
	for lines.Scan() {
		data, ok := strings.CutPrefix(lines.Text(), "data: ")
		if !ok {
			continue
		}
		var v admin.ConsoleView
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			t.Fatal(err)
		}
		last = data
		if shows(&v) {
			return
		}
	}
	t.Fatalf("no view showed %s (%v); the last:\n%s", what, lines.Err(), last)
}
