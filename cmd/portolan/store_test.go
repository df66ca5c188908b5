package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/store/etcdtest"
)

// TestStoreCopyBoltToEtcd is the upgrade path: a server's state on bolt
// is copied by `portolan store copy` into etcd, a server on etcd then
// serves it, and a second copy into the now non-empty etcd is refused.
func TestStoreCopyBoltToEtcd(t *testing.T) {
	member := etcdtest.Start(t, "127.0.10.3", t.TempDir())
	ctx := context.Background()
	bolt := servertest.Start(t)
	op, err := sd.NewFromConfig(bolt.AWS).CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("moved")})
	if err != nil {
		t.Fatal(err)
	}
	waitOperation(t, sd.NewFromConfig(bolt.AWS), aws.ToString(op.OperationId))
	if _, err := ecs.NewFromConfig(bolt.AWS).CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("moved")}); err != nil {
		t.Fatal(err)
	}
	bolt.Stop()

	to := "etcd://" + member.Client + "/copied"
	out, err := exec.Command(servertest.Binary(t), "store", "copy", "--from", "bolt:"+bolt.DataDir, "--to", to).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "copied ") {
		t.Fatalf("store copy: %v\n%s", err, out)
	}
	out, err = exec.Command(servertest.Binary(t), "store", "copy", "--from", "bolt:"+bolt.DataDir, "--to", to).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "target is not empty") {
		t.Fatalf("second copy into a non-empty store: %v\n%s", err, out)
	}
	out, err = exec.Command(servertest.Binary(t), "store", "copy", "--from", "bolt:"+t.TempDir(), "--to", "etcd://"+member.Client+"/other").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no store in") {
		t.Fatalf("copy from a directory without a store: %v\n%s", err, out)
	}

	onEtcd := servertest.Start(t, func(c *server.Config) { c.Store.Location = to })
	ns, err := sd.NewFromConfig(onEtcd.AWS).ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if err != nil || len(ns.Namespaces) != 1 || aws.ToString(ns.Namespaces[0].Name) != "moved" {
		t.Fatalf("namespaces on etcd: %+v %v", ns, err)
	}
	clusters, err := ecs.NewFromConfig(onEtcd.AWS).DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"moved"}})
	if err != nil || len(clusters.Clusters) != 1 || aws.ToString(clusters.Clusters[0].Status) != "ACTIVE" {
		t.Fatalf("cluster on etcd: %+v %v", clusters, err)
	}
}

func waitOperation(t *testing.T, c *sd.Client, id string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, err := c.GetOperation(context.Background(), &sd.GetOperationInput{OperationId: aws.String(id)})
		if err == nil && out.Operation.Status == sdtypes.OperationStatusSuccess {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("operation %s: %+v %v", id, out, err)
		}
	}
}

// TestStoreCopyOverTLS: the --etcd-cert/--etcd-key/--etcd-ca flags reach
// an etcd that requires client certificates, and without them the copy
// is refused.
func TestStoreCopyOverTLS(t *testing.T) {
	member, files := etcdtest.StartTLS(t, "127.0.10.5", t.TempDir())
	dir := t.TempDir()
	src, err := store.OpenBolt(filepath.Join(dir, store.BoltFile), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Commit(context.Background(), store.Txn{Then: []store.Op{store.Put("ecs/x", []byte("1")), store.Put("cloudmap/y", []byte("2"))}}); err != nil {
		t.Fatal(err)
	}
	src.Close()
	to := "etcd://" + member.Client
	copyTo := func(flags ...string) (string, error) {
		out, err := exec.Command(servertest.Binary(t), append([]string{"store", "copy", "--from", "bolt:" + dir, "--to", to}, flags...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := copyTo("--etcd-ca", files.CA); err == nil {
		t.Fatalf("copy without a client certificate succeeded: %s", out)
	}
	if out, err := copyTo("--etcd-cert", files.ClientCert, "--etcd-key", files.ClientKey, "--etcd-ca", files.CA); err != nil || out != "copied 2 keys from bolt:"+dir+" to "+to+"\n" {
		t.Fatalf("copy over TLS: %v\n%s", err, out)
	}
	dst, err := store.OpenEtcd(context.Background(), store.EtcdOptions{Endpoints: []string{member.Client}, CertFile: files.ClientCert, KeyFile: files.ClientKey, CAFile: files.CA})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if kv, err := dst.Get(context.Background(), "cloudmap/y"); err != nil || string(kv.Value) != "2" {
		t.Fatalf("copied key: %q %v", kv.Value, err)
	}
}
