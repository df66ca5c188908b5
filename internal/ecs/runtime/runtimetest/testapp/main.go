// Command testapp is the workload the runtime conformance suite runs as a
// task container, under both drivers: a static binary that needs nothing
// from its image, so it also runs in a FROM scratch docker image.
//
// Without arguments it serves HTTP on $HOST:$PORT (default port 8080):
//
//	GET /            JSON: host, port, pid, working directory, environment
//	GET /peer        the body of GET $PEER_URL (one container reaching another)
//	GET /log?msg=M   writes M as a line to stdout and "err: M" to stderr
//	GET /burn?ms=N   spends N ms of CPU
//	GET /sleep?ms=N  answers "slept" after N ms (a request that is in flight
//	                 for a while)
//	GET /spawn       starts a child that ignores SIGTERM; replies with its pid
//	GET /exit?code=N exits with code N after replying
//	GET /file?path=P the content of file P (e.g. /etc/resolv.conf)
//	GET /message     $SERVICE_NAME
//	GET /request     GET each URL of $REQUEST_URLS (comma-separated; default
//	                 /message of myservice-a and myservice-b in
//	                 ecs-service-discovery.local, port 8080) and, per URL, a
//	                 line "URL ADDR BODY": the address that answered and its
//	                 body; 502 if any failed
//
// Names resolve through $DNS_SERVER (host:port) when it is set, through the
// system's resolver otherwise, afresh for every request of /request.
//
// It writes "listening on ADDR" to stdout and "started pid N" to stderr once
// it listens. SIGTERM makes it exit with $TERM_EXIT_CODE (default 0) unless
// $IGNORE_SIGTERM is set; $BALLAST_MB makes it hold that much touched memory.
//
// Subcommands: "health URL" exits 0 if GET URL answers 200 (a health check
// without a shell), "exit N" exits with N at once, "sleep" sleeps ignoring
// SIGTERM, "curl URL..." GETs each URL as curl would (the host resolved by
// the system's resolver, the image having no curl) and prints a line
// "URL ADDR STATUS BODY" for each, exiting 1 if any got no HTTP answer.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		os.Exit(subcommand(os.Args[1], os.Args[2:]))
	}
	if err := serve(); err != nil {
		fmt.Fprintln(os.Stderr, "testapp:", err)
		os.Exit(1)
	}
}

func subcommand(name string, args []string) int {
	switch name {
	case "health":
		if len(args) != 1 {
			fmt.Println("usage: health URL")
			return 2
		}
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get(args[0])
		if err != nil {
			fmt.Println("unhealthy:", err)
			return 1
		}
		resp.Body.Close()
		fmt.Println("health:", resp.Status)
		if resp.StatusCode != http.StatusOK {
			return 1
		}
		return 0
	case "exit":
		code := 0
		if len(args) > 0 {
			code, _ = strconv.Atoi(args[0])
		}
		fmt.Println("exiting", code)
		return code
	case "sleep":
		signal.Ignore(syscall.SIGTERM)
		time.Sleep(time.Hour)
		return 0
	case "curl":
		code := 0
		for _, u := range args {
			addr, status, body, err := fetch(context.Background(), u)
			if err != nil {
				fmt.Println(u, "error", err)
				code = 1
				continue
			}
			fmt.Println(u, addr, status, strings.TrimSpace(body))
		}
		return code
	}
	fmt.Println("unknown subcommand", name)
	return 2
}

// handleSIGTERM ignores SIGTERM if $IGNORE_SIGTERM is set, else says so
// on stdout and exits with $TERM_EXIT_CODE when it comes.
func handleSIGTERM() {
	if os.Getenv("IGNORE_SIGTERM") != "" {
		signal.Ignore(syscall.SIGTERM)
	} else {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		go func() {
			<-sig
			fmt.Println("got SIGTERM")
			code, _ := strconv.Atoi(os.Getenv("TERM_EXIT_CODE"))
			os.Exit(code)
		}()
	}
}

func serve() error {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	addr := net.JoinHostPort(os.Getenv("HOST"), port)

	if mb, _ := strconv.Atoi(os.Getenv("BALLAST_MB")); mb > 0 {
		ballast := make([]byte, mb<<20)
		for i := range ballast {
			if i%4096 == 0 {
				ballast[i] = 1
			}
		}
		defer func() { _ = ballast[len(ballast)-1] }()
	}

	handleSIGTERM()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println("listening on", ln.Addr())
	fmt.Fprintln(os.Stderr, "started pid", os.Getpid())

	return http.Serve(ln, routes(port))
}

// routes are the app's endpoints, each a behaviour a test asks of a task.
func routes(port string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		wd, _ := os.Getwd()
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"host": os.Getenv("HOST"), "port": port, "pid": os.Getpid(), "cwd": wd, "env": env,
			"local": r.Context().Value(http.LocalAddrContextKey).(net.Addr).String(),
		})
	})
	mux.HandleFunc("GET /peer", func(w http.ResponseWriter, r *http.Request) {
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get(os.Getenv("PEER_URL"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	})
	mux.HandleFunc("GET /log", func(w http.ResponseWriter, r *http.Request) {
		msg := r.URL.Query().Get("msg")
		fmt.Println(msg)
		fmt.Fprintln(os.Stderr, "err:", msg)
	})
	mux.HandleFunc("GET /burn", func(w http.ResponseWriter, r *http.Request) {
		// CPU time, not wall time: on a busy machine a wall-clock loop
		// gets a fraction of a core, and a stats test would flake.
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		end := cpuTime() + time.Duration(ms)*time.Millisecond
		n := 0
		for cpuTime() < end {
			for range 10000 {
				n++
			}
		}
		fmt.Fprintln(w, n)
	})
	mux.HandleFunc("GET /sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		fmt.Fprintln(w, "slept")
	})
	mux.HandleFunc("GET /spawn", func(w http.ResponseWriter, r *http.Request) {
		self, err := os.Executable()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		cmd := exec.Command(self, "sleep")
		if err := cmd.Start(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		go cmd.Wait() // reap it if it ever exits; the test kills it with the group
		fmt.Fprintln(w, cmd.Process.Pid)
	})
	mux.HandleFunc("GET /file", func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(r.URL.Query().Get("path"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Write(b)
	})
	mux.HandleFunc("GET /message", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, os.Getenv("SERVICE_NAME"))
	})
	mux.HandleFunc("GET /request", func(w http.ResponseWriter, r *http.Request) {
		urls := os.Getenv("REQUEST_URLS")
		if urls == "" {
			urls = "http://myservice-a.ecs-service-discovery.local:8080/message,http://myservice-b.ecs-service-discovery.local:8080/message"
		}
		var out strings.Builder
		status := http.StatusOK
		for _, u := range strings.Split(urls, ",") {
			addr, body, err := request(r.Context(), u)
			if err != nil {
				status = http.StatusBadGateway
				fmt.Fprintf(&out, "%s error %v\n", u, err)
				continue
			}
			fmt.Fprintf(&out, "%s %s %s\n", u, addr, strings.TrimSpace(body))
		}
		w.WriteHeader(status)
		io.WriteString(w, out.String())
	})
	mux.HandleFunc("GET /exit", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		fmt.Fprintln(w, "bye")
		w.(http.Flusher).Flush()
		go func() {
			time.Sleep(50 * time.Millisecond)
			fmt.Println("exiting", code)
			os.Exit(code)
		}()
	})
	return mux
}

// request GETs url on a new connection, resolving its host anew (through
// $DNS_SERVER if set), and returns the address that answered and the body;
// an answer other than 200 is an error.
func request(ctx context.Context, url string) (addr, body string, err error) {
	addr, status, body, err := fetch(ctx, url)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("%s: %d %s", url, status, http.StatusText(status))
	}
	return addr, body, err
}

// fetch GETs url as request does and returns the address that answered,
// the status and the body, whatever the status.
func fetch(ctx context.Context, url string) (addr string, status int, body string, err error) {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if server := os.Getenv("DNS_SERVER"); server != "" {
		dialer.Resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}}
	}
	c := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true}}
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		addr = i.Conn.RemoteAddr().String()
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", 0, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return addr, resp.StatusCode, string(b), err
}
