package docker

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// A task launched in a subnet that EC2 knows (runtime.TaskSpec.Subnet)
// gets an address from that subnet's block, on a bridge network of its
// VPC: one network per VPC, on the VPC's block, shared by the tasks of all
// its subnets, each pause container given its address explicitly. So the
// tasks of a VPC's subnets reach each other directly, as the VPC's local
// route has them do, and tasks of two VPCs do not (the engine isolates its
// bridge networks from one another; Docker 20.10's isolation lapses for
// moments while it creates any network, a fault of the engine that
// TestVpcNetworks measures and rules out). One network per subnet would need a
// router between the subnets of a VPC, which the engine's isolation rules
// forbid, or every task on every subnet's network, with an address in
// each; and the engine's bridge takes one block per network, so per-subnet
// ranges (IPAM IPRange) of one VPC network cannot both be kept apart and
// skip the addresses AWS reserves. The driver picks the address itself:
// the lowest free one past the subnet's first four, short of its last, as
// AWS reserves them. The bridge's own address is the VPC block's second,
// reserved (for the VPC router) in the subnet that starts the block and in
// no other subnet.
//
// A VPC's block may be unusable here: it overlaps a network of the engine
// or of the host (the default VPC's 172.31.0.0/16 is in the engine's own
// address pools), or another VPC's network (two VPCs on the same block,
// common on AWS, cannot both be bridges of one host). Its tasks then fall
// back to their cluster's network, as tasks in made-up subnets do, and the
// driver logs it once per subnet. The network goes when the VPC's last
// task does, as a cluster's does; a subnet cannot be deleted while a task
// runs in it (DependencyViolation), so a deleted subnet leaves no network.
// Pause containers on a VPC network are not kept warm: an address is
// given at creation, and a warm container would not know its task's
// subnet.

// vpcNetworkName names a VPC's network; the dot keeps it apart from any
// cluster's (an ECS cluster name has no dot), and a VPC id is never "dns".
func (d *Driver) vpcNetworkName(vpcID string) string {
	return "portolan-" + d.ownerHash() + "." + vpcID
}

// vpcNetworks lists the owner's VPC networks, of one VPC or all.
func (d *Driver) vpcNetworks(ctx context.Context, vpcID string) ([]network.Summary, error) {
	f := make(client.Filters).Add("label", labelOwner+"="+d.cfg.Owner, labelRole+"="+roleVpcNetwork)
	if vpcID != "" {
		f.Add("label", labelVpc+"="+vpcID)
	}
	res, err := d.cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, err
	}
	return res.Items, nil
}

// vpcGateway is the bridge's address on a VPC's network (see above).
func vpcGateway(vpc netip.Prefix) netip.Addr { return vpc.Masked().Addr().Next() }

// vpcNetwork returns the name of the subnet's VPC network, creating it on
// the VPC's block if it does not exist, or, with an empty name, why the
// subnet's tasks cannot have it. Callers hold netMu.
func (d *Driver) vpcNetwork(ctx context.Context, s runtime.Subnet) (name, fallback string, err error) {
	nets, err := d.vpcNetworks(ctx, s.VpcID)
	if err != nil {
		return "", "", err
	}
	if len(nets) > 0 {
		for _, c := range nets[0].IPAM.Config {
			if c.Subnet.Bits() <= s.CIDR.Bits() && c.Subnet.Contains(s.CIDR.Addr()) {
				return nets[0].Name, "", nil
			}
		}
		return "", fmt.Sprintf("the subnet's block %s is outside the VPC network's", s.CIDR), nil
	}
	taken, err := d.takenPrefixes(ctx)
	if err != nil {
		return "", "", err
	}
	vpc := s.VpcCIDR.Masked()
	for _, t := range taken {
		if t.Addr().Is4() && t.Overlaps(vpc) {
			return "", fmt.Sprintf("the VPC's block %s overlaps %s, a network of the engine or of the host", vpc, t), nil
		}
	}
	name = d.vpcNetworkName(s.VpcID)
	_, err = d.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver: "bridge",
		IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: vpc, Gateway: vpcGateway(vpc)}}},
		Labels: map[string]string{labelOwner: d.cfg.Owner, labelRole: roleVpcNetwork, labelVpc: s.VpcID},
	})
	switch {
	case err == nil:
		return name, "", nil
	case strings.Contains(err.Error(), "overlaps"):
		// Someone took part of it between our look and our create.
		return "", fmt.Sprintf("the VPC's block %s overlaps a network of the engine: %v", vpc, err), nil
	}
	return "", "", fmt.Errorf("create network %s on %s: %w", name, vpc, err)
}

// vpcAddress picks the task's address in its subnet: the lowest that AWS
// would hand out and no pause container of the VPC holds, started or
// not. Callers hold netMu, under which every such container is created,
// each labelled with its address.
func (d *Driver) vpcAddress(ctx context.Context, s runtime.Subnet) (netip.Addr, error) {
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).
		Add("label", labelOwner+"="+d.cfg.Owner, labelVpc+"="+s.VpcID)})
	if err != nil {
		return netip.Addr{}, err
	}
	used := map[netip.Addr]bool{vpcGateway(s.VpcCIDR): true}
	for _, c := range list.Items {
		if a, err := netip.ParseAddr(c.Labels[labelAddress]); err == nil {
			used[a] = true
		}
	}
	if a, ok := firstFree(s.CIDR, used); ok {
		return a, nil
	}
	return netip.Addr{}, fmt.Errorf("subnet %s (%s) has no free address left", s.ID, s.CIDR)
}

// firstFree is the lowest address of subnet past its first four and short
// of its last (AWS reserves them: network, VPC router, DNS, future use,
// broadcast) that used does not hold.
func firstFree(subnet netip.Prefix, used map[netip.Addr]bool) (netip.Addr, bool) {
	subnet = subnet.Masked()
	a := subnet.Addr()
	for range 4 {
		a = a.Next()
	}
	for ; subnet.Contains(a) && subnet.Contains(a.Next()); a = a.Next() {
		if !used[a] {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// startVpcPause starts the task's pause container on its VPC's network,
// with an address of its subnet. ok is false when the subnet's tasks fall
// back to the cluster's network; the first time for a subnet, it says why.
func (d *Driver) startVpcPause(ctx context.Context, spec runtime.TaskSpec) (id string, ok bool, err error) {
	s := spec.Subnet
	d.netMu.Lock()
	name, fallback, err := d.vpcNetwork(ctx, s)
	if err == nil && fallback == "" {
		var addr netip.Addr
		if addr, err = d.vpcAddress(ctx, s); err == nil {
			id, err = d.createPause(ctx, placement{cluster: spec.Cluster, network: name, subnet: s, addr: addr}, pauseName(spec.TaskID))
		}
	}
	d.netMu.Unlock()
	switch {
	case err != nil:
		return "", false, err
	case fallback != "":
		if _, seen := d.fallbacks.LoadOrStore(s.ID, true); !seen {
			d.log.Warn("tasks in this subnet get addresses on their cluster's network, not from the subnet's block", "subnetId", s.ID, "vpcId", s.VpcID, "reason", fallback)
		}
		return "", false, nil
	}
	if err := d.start(ctx, id); err != nil {
		if rerr := d.remove(context.WithoutCancel(ctx), id); rerr != nil {
			d.log.Warn("removing a pause container that failed to start", "containerId", id, "err", rerr)
		}
		return "", false, err
	}
	return id, true, nil
}

// removeVpcNetworkIfUnused removes the VPC's network once no container of
// the owner in that VPC is left, running or not.
func (d *Driver) removeVpcNetworkIfUnused(ctx context.Context, vpcID string) error {
	d.netMu.Lock()
	defer d.netMu.Unlock()
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).
		Add("label", labelOwner+"="+d.cfg.Owner, labelVpc+"="+vpcID)})
	if err != nil || len(list.Items) > 0 {
		return err
	}
	nets, err := d.vpcNetworks(ctx, vpcID)
	if err != nil {
		return err
	}
	return d.removeNetworks(ctx, nets)
}
