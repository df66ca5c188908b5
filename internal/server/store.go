package server

import (
	"context"
	"path/filepath"

	"github.com/portolan/portolan/internal/logs"
	"github.com/portolan/portolan/internal/store"
)

// StoreConfig says where the state lives (--store). The runtime's files
// and the rest of the data dir stay in DataDir whatever the store.
type StoreConfig struct {
	// Location is a store.ParseLocation location; "" or "bolt" is the
	// bolt file in DataDir.
	Location string
	// CertFile, KeyFile and CAFile are the etcd client's TLS files
	// (--etcd-cert, --etcd-key, --etcd-ca).
	CertFile, KeyFile, CAFile string
}

// location parses the configured store, or says it is DataDir's bolt file.
func (c StoreConfig) location(dataDir string) (store.Location, error) {
	if c.Location == "" || c.Location == "bolt" {
		return store.Location{BoltDir: dataDir}, nil
	}
	return store.ParseLocation(c.Location)
}

// unwatched are the prefixes whose writes no watch needs: log events are
// bulk data nobody watches, kept out of the history.
var unwatched = []string{logs.EventsPrefix}

// OpenStore opens the store a location names, with TLS files for etcd.
// `portolan store copy` opens both its ends with it.
func OpenStore(ctx context.Context, loc store.Location, c StoreConfig) (store.Store, error) {
	if loc.Etcd == nil {
		return store.OpenBolt(filepath.Join(loc.BoltDir, store.BoltFile), store.BoltOptions{Unwatched: unwatched})
	}
	opts := *loc.Etcd
	opts.CertFile, opts.KeyFile, opts.CAFile = c.CertFile, c.KeyFile, c.CAFile
	opts.Unwatched = unwatched
	return store.OpenEtcd(ctx, opts)
}
