package store_test

import (
	"context"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/store/etcdtest"
)

// TestEtcdTLSClientCertificate: a member that requires client
// certificates serves the store that presents one, and refuses one that
// presents none.
func TestEtcdTLSClientCertificate(t *testing.T) {
	m, files := etcdtest.StartTLS(t, testIP, t.TempDir())
	s := openEtcd(t, []string{m.Client}, store.EtcdOptions{CertFile: files.ClientCert, KeyFile: files.ClientKey, CAFile: files.CA})
	if _, err := s.Commit(context.Background(), store.Txn{Then: []store.Op{store.Put("k", []byte("v"))}}); err != nil {
		t.Fatalf("commit over TLS: %v", err)
	}
	if kv, err := s.Get(context.Background(), "k"); err != nil || string(kv.Value) != "v" {
		t.Fatalf("get over TLS: %q %v", kv.Value, err)
	}
	if s, err := store.OpenEtcd(context.Background(), store.EtcdOptions{Endpoints: []string{m.Client}, CAFile: files.CA, DialTimeout: 2 * time.Second}); err == nil {
		s.Close()
		t.Fatal("a client without a certificate was served")
	}
}

// TestEtcdPasswordAuth: on an etcd with auth enabled, the store opens
// with the right user and password only.
func TestEtcdPasswordAuth(t *testing.T) {
	m := etcdtest.Start(t, testIP, t.TempDir())
	enableAuth(t, m.Client, "root", "s3cret")
	s := openEtcd(t, []string{m.Client}, store.EtcdOptions{Username: "root", Password: "s3cret"})
	if _, err := s.Commit(context.Background(), store.Txn{Then: []store.Op{store.Put("k", []byte("v"))}}); err != nil {
		t.Fatalf("commit as root: %v", err)
	}
	for _, opts := range []store.EtcdOptions{{}, {Username: "root", Password: "wrong"}} {
		opts.Endpoints, opts.DialTimeout = []string{m.Client}, 2*time.Second
		if s, err := store.OpenEtcd(context.Background(), opts); err == nil {
			s.Close()
			t.Fatalf("opened with user %q password %q", opts.Username, opts.Password)
		}
	}
}

func enableAuth(t *testing.T, endpoint, user, password string) {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	if _, err := cli.UserAdd(ctx, user, password); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.UserGrantRole(ctx, user, "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}
}
