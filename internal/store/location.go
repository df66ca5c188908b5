package store

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Location says where a store lives, as the --store flag names it: the
// bolt file of a data directory ("bolt:DIR"), or an etcd cluster
// ("etcd://[USER:PASSWORD@]HOST:PORT[,HOST:PORT…][/PREFIX]"). Exactly one
// of the fields is set.
type Location struct {
	BoltDir string
	// Etcd holds the endpoints, credentials and installation prefix the
	// URL gave (default DefaultEtcdPrefix); TLS files come from elsewhere.
	Etcd *EtcdOptions
}

// BoltFile is the name of the bolt store inside a data directory.
const BoltFile = "state.db"

// ParseLocation reads a store location.
func ParseLocation(s string) (Location, error) {
	switch {
	case strings.HasPrefix(s, "bolt:"):
		dir := strings.TrimPrefix(s, "bolt:")
		if dir == "" {
			return Location{}, fmt.Errorf("store %q: bolt:DIR needs a directory", s)
		}
		return Location{BoltDir: dir}, nil
	case strings.HasPrefix(s, "etcd://"):
		opts, err := parseEtcdURL(strings.TrimPrefix(s, "etcd://"))
		if err != nil {
			return Location{}, fmt.Errorf("store %q: %w", redact(s), err)
		}
		return Location{Etcd: &opts}, nil
	}
	return Location{}, fmt.Errorf("store %q: want bolt:DIR or etcd://HOST:PORT[,HOST:PORT...][/PREFIX]", redact(s))
}

// parseEtcdURL reads what follows etcd://. net/url cannot: the host part
// lists several members.
func parseEtcdURL(rest string) (EtcdOptions, error) {
	var opts EtcdOptions
	hosts, path, _ := strings.Cut(rest, "/")
	if at := strings.LastIndex(hosts, "@"); at >= 0 {
		user, err := url.PathUnescape(hosts[:at])
		if err != nil {
			return opts, errors.New("bad user:password")
		}
		opts.Username, opts.Password, _ = strings.Cut(user, ":")
		hosts = hosts[at+1:]
	}
	for _, h := range strings.Split(hosts, ",") {
		host, port, err := net.SplitHostPort(h)
		if err != nil || host == "" {
			return opts, fmt.Errorf("member %q: want HOST:PORT", h)
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return opts, fmt.Errorf("member %q: bad port", h)
		}
		opts.Endpoints = append(opts.Endpoints, h)
	}
	if path = strings.Trim(path, "/"); path != "" {
		opts.Prefix = path + "/"
	}
	return opts, nil
}

// redact hides a password in a location that goes into an error.
func redact(s string) string {
	rest, ok := strings.CutPrefix(s, "etcd://")
	if !ok {
		return s
	}
	hosts, _, _ := strings.Cut(rest, "/")
	if at := strings.LastIndex(hosts, "@"); at >= 0 {
		return "etcd://***@" + rest[at+1:]
	}
	return s
}
