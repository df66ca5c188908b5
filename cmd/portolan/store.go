package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/store"
)

// etcdTLSFlags declares the etcd client's TLS files; `server`, `up` and
// `store copy` share them.
func etcdTLSFlags(fs *flag.FlagSet, c *server.StoreConfig) {
	fs.StringVar(&c.CertFile, "etcd-cert", "", "TLS client certificate for etcd")
	fs.StringVar(&c.KeyFile, "etcd-key", "", "key of --etcd-cert")
	fs.StringVar(&c.CAFile, "etcd-ca", "", "CA that signed the etcd members' certificates")
}

const storeUsage = "usage: portolan store copy --from bolt:DIR --to etcd://HOST:PORT[,HOST:PORT...][/PREFIX]"

func runStore(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "copy" {
		return errors.New(storeUsage)
	}
	var tls server.StoreConfig
	fs := flag.NewFlagSet("portolan store copy", flag.ExitOnError)
	from := fs.String("from", "", "the store to copy: bolt:DIR (a stopped server's --data-dir) or etcd://…")
	to := fs.String("to", "", "the empty store to copy into: etcd://… or bolt:DIR")
	etcdTLSFlags(fs, &tls)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *from == "" || *to == "" || fs.NArg() != 0 {
		return errors.New(storeUsage)
	}
	return copyStore(ctx, *from, *to, tls, os.Stdout)
}

// copyStore moves every key from one store to another, refusing a target
// that holds anything.
func copyStore(ctx context.Context, from, to string, tls server.StoreConfig, out io.Writer) error {
	open := func(which, loc string) (store.Store, error) {
		l, err := store.ParseLocation(loc)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", which, err)
		}
		if l.BoltDir != "" && which == "from" {
			// Opening a bolt file creates it: a mistyped source must not
			// become an empty store copied as such.
			if _, err := os.Stat(filepath.Join(l.BoltDir, store.BoltFile)); err != nil {
				return nil, fmt.Errorf("--from: no store in %s: %w", l.BoltDir, err)
			}
		}
		return server.OpenStore(ctx, l, tls)
	}
	src, err := open("from", from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := open("to", to)
	if err != nil {
		return err
	}
	defer dst.Close()
	n, err := store.Copy(ctx, dst, src)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "copied %d keys from %s to %s\n", n, from, to)
	return nil
}
