package docker

import (
	"context"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"iter"
	"net"
	"net/netip"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// networkName is the name of a cluster's network. The owner hash keeps the
// networks of two servers on one engine apart.
func (d *Driver) networkName(cluster string) string {
	h := fnv.New32a()
	h.Write([]byte(d.cfg.Owner))
	return "portolan-" + cluster + "-" + hex.EncodeToString(h.Sum(nil))
}

// ownNetworks lists the owner's cluster networks, of one cluster or all.
func (d *Driver) ownNetworks(ctx context.Context, cluster string) ([]network.Summary, error) {
	f := make(client.Filters).Add("label", labelOwner+"="+d.cfg.Owner, labelRole+"="+roleNetwork)
	if cluster != "" {
		f.Add("label", labelCluster+"="+cluster)
	}
	res, err := d.cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, err
	}
	return res.Items, nil
}

// clusterNetwork returns the name of the cluster's network, creating it on
// a free subnet of the pool if it does not exist. Callers hold netMu.
func (d *Driver) clusterNetwork(ctx context.Context, cluster string) (string, error) {
	nets, err := d.ownNetworks(ctx, cluster)
	if err != nil {
		return "", err
	}
	if len(nets) > 0 {
		return nets[0].Name, nil
	}
	taken, err := d.takenPrefixes(ctx)
	if err != nil {
		return "", err
	}
	name := d.networkName(cluster)
	for subnet := range subnets(d.cfg.SubnetPool, d.cfg.SubnetBits) {
		if overlapsAny(subnet, taken) {
			continue
		}
		_, err := d.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
			Driver: "bridge",
			IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: subnet}}},
			Labels: map[string]string{labelOwner: d.cfg.Owner, labelRole: roleNetwork, labelCluster: cluster},
		})
		switch {
		case err == nil:
			return name, nil
		case strings.Contains(err.Error(), "overlaps"):
			// Someone took it between our look and our create.
			continue
		}
		return "", fmt.Errorf("create network %s on %s: %w", name, subnet, err)
	}
	return "", fmt.Errorf("no free /%d left in %s for the network of cluster %s", d.cfg.SubnetBits, d.cfg.SubnetPool, cluster)
}

// takenPrefixes are the subnets of every network of the engine and the
// networks of every host interface: a cluster subnet must overlap none, or
// the host could not reach the tasks.
func (d *Driver) takenPrefixes(ctx context.Context) ([]netip.Prefix, error) {
	res, err := d.cli.NetworkList(ctx, client.NetworkListOptions{})
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, n := range res.Items {
		for _, c := range n.IPAM.Config {
			if c.Subnet.IsValid() {
				out = append(out, c.Subnet)
			}
		}
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			ones, _ := ipn.Mask.Size()
			if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
				out = append(out, netip.PrefixFrom(ip.Unmap(), ones).Masked())
			}
		}
	}
	return out, nil
}

// subnets yields the /bits subnets of pool in order.
func subnets(pool netip.Prefix, bits int) iter.Seq[netip.Prefix] {
	return func(yield func(netip.Prefix) bool) {
		step := uint32(1) << (32 - bits)
		base := pool.Masked().Addr().As4()
		start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
		n := uint32(1) << (bits - pool.Bits())
		for i := range n {
			v := start + i*step
			a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
			if !yield(netip.PrefixFrom(a, bits)) {
				return
			}
		}
	}
}

func overlapsAny(p netip.Prefix, taken []netip.Prefix) bool {
	for _, t := range taken {
		if t.Addr().Is4() == p.Addr().Is4() && t.Overlaps(p) {
			return true
		}
	}
	return false
}

// removeNetworkIfUnused removes the cluster's network once no container of
// the owner in that cluster is left, running or not.
func (d *Driver) removeNetworkIfUnused(ctx context.Context, cluster string) error {
	d.netMu.Lock()
	defer d.netMu.Unlock()
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Limit: 1, Filters: make(client.Filters).
		Add("label", labelOwner+"="+d.cfg.Owner, labelCluster+"="+cluster)})
	if err != nil || len(list.Items) > 0 {
		return err
	}
	nets, err := d.ownNetworks(ctx, cluster)
	if err != nil {
		return err
	}
	for _, n := range nets {
		if _, err := d.cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
			return err
		}
	}
	return nil
}
