package docker

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"net"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// networkName is the name of a cluster's network. The owner hash keeps the
// networks of two servers on one engine apart.
func (d *Driver) networkName(cluster string) string {
	return "portolan-" + cluster + "-" + d.ownerHash()
}

// dnsNetworkName is the name of the owner's DNS network; the dot keeps it
// apart from every cluster's (an ECS cluster name has no dot).
func (d *Driver) dnsNetworkName() string { return "portolan-" + d.ownerHash() + ".dns" }

func (d *Driver) ownerHash() string {
	h := fnv.New32a()
	h.Write([]byte(d.cfg.Owner))
	return hex.EncodeToString(h.Sum(nil))
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
		for i := range uint32(1) << (bits - pool.Bits()) {
			if !yield(nthSubnet(pool, bits, i)) {
				return
			}
		}
	}
}

// subnetsBackward yields the /bits subnets of pool from the last one down.
func subnetsBackward(pool netip.Prefix, bits int) iter.Seq[netip.Prefix] {
	return func(yield func(netip.Prefix) bool) {
		for i := uint32(1) << (bits - pool.Bits()); i > 0; i-- {
			if !yield(nthSubnet(pool, bits, i-1)) {
				return
			}
		}
	}
}

func nthSubnet(pool netip.Prefix, bits int, i uint32) netip.Prefix {
	base := pool.Masked().Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += i << (32 - bits)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), bits)
}

func overlapsAny(p netip.Prefix, taken []netip.Prefix) bool {
	for _, t := range taken {
		if t.Addr().Is4() == p.Addr().Is4() && t.Overlaps(p) {
			return true
		}
	}
	return false
}

// removeNetworkIfUnused removes the cluster's network, and its warm pause
// container, once no other container of the owner in that cluster is left,
// running or not.
func (d *Driver) removeNetworkIfUnused(ctx context.Context, cluster string) error {
	d.netMu.Lock()
	defer d.netMu.Unlock()
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).
		Add("label", labelOwner+"="+d.cfg.Owner, labelCluster+"="+cluster)})
	if err != nil {
		return err
	}
	// The cluster's tasks on VPC networks (vpc.go) do not use it.
	list.Items = slices.DeleteFunc(list.Items, func(c container.Summary) bool { return c.Labels[labelVpc] != "" })
	for _, c := range list.Items {
		if !isWarm(c) {
			return nil
		}
	}
	for _, c := range list.Items {
		if err := d.remove(ctx, c.ID); err != nil {
			return err
		}
	}
	nets, err := d.ownNetworks(ctx, cluster)
	if err != nil {
		return err
	}
	return d.removeNetworks(ctx, nets)
}

// The DNS network exists so that Portolan's DNS server has an address every
// task can reach, whatever its cluster, and that stays put: a cluster's
// network comes and goes with its tasks, and the DNS server binds its
// sockets once, before it serves. The network is a /30 of the pool (the
// last free one; clusters take theirs from the front) that no container
// joins; its gateway is an address of the host, which a task reaches
// through its own network's gateway. A restarted server finds the network
// again, so the tasks it re-adopts keep resolving.

// dnsNetworks lists the owner's DNS networks (one, unless two servers of
// one owner raced to create it).
func (d *Driver) dnsNetworks(ctx context.Context) ([]network.Summary, error) {
	res, err := d.cli.NetworkList(ctx, client.NetworkListOptions{Filters: make(client.Filters).
		Add("label", labelOwner+"="+d.cfg.Owner, labelRole+"="+roleDNSNetwork)})
	if err != nil {
		return nil, err
	}
	return res.Items, nil
}

// dnsNetwork returns the gateway of the owner's DNS network, creating the
// network if it does not exist.
func (d *Driver) dnsNetwork(ctx context.Context) (netip.Addr, error) {
	d.netMu.Lock()
	defer d.netMu.Unlock()
	nets, err := d.dnsNetworks(ctx)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, n := range nets {
		for _, c := range n.IPAM.Config {
			switch {
			case c.Gateway.IsValid():
				return c.Gateway, nil
			case c.Subnet.IsValid():
				return c.Subnet.Masked().Addr().Next(), nil // the engine's default gateway
			}
		}
	}
	taken, err := d.takenPrefixes(ctx)
	if err != nil {
		return netip.Addr{}, err
	}
	name := d.dnsNetworkName()
	for subnet := range subnetsBackward(d.cfg.SubnetPool, 30) {
		if overlapsAny(subnet, taken) {
			continue
		}
		gw := subnet.Addr().Next()
		_, err := d.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
			Driver: "bridge",
			IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: subnet, Gateway: gw}}},
			Labels: map[string]string{labelOwner: d.cfg.Owner, labelRole: roleDNSNetwork},
		})
		switch {
		case err == nil:
			return gw, nil
		case strings.Contains(err.Error(), "overlaps"):
			continue // someone took it between our look and our create
		}
		return netip.Addr{}, fmt.Errorf("create network %s on %s: %w", name, subnet, err)
	}
	return netip.Addr{}, fmt.Errorf("no free /30 left in %s for the DNS network", d.cfg.SubnetPool)
}

// listenDNS has Config.DNS listen on port 53 of the DNS network's gateway
// and returns that address.
func (d *Driver) listenDNS(ctx context.Context) (netip.Addr, error) {
	gw, err := d.dnsNetwork(ctx)
	if err != nil {
		return netip.Addr{}, err
	}
	addr := netip.AddrPortFrom(gw, 53).String()
	for {
		_, err := d.cfg.DNS.Listen(addr)
		if err == nil {
			return gw, nil
		}
		// The engine may still be putting the address on the bridge.
		if !errors.Is(err, syscall.EADDRNOTAVAIL) {
			return netip.Addr{}, err
		}
		select {
		case <-ctx.Done():
			return netip.Addr{}, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// HostAddr implements runtime.HostAddresser: the gateway of the DNS
// network, an address of the host that every task reaches, once Portolan's
// DNS listens there (without Config.DNS, or when it could not, there is
// none: tasks would not resolve the names of what listens there).
func (d *Driver) HostAddr() (netip.Addr, bool) { return d.hostAddr, d.hostAddr.IsValid() }

// removeNetworks removes nets; one already gone is not an error.
func (d *Driver) removeNetworks(ctx context.Context, nets []network.Summary) error {
	for _, n := range nets {
		if _, err := d.cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
			return err
		}
	}
	return nil
}
