package docker

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// CredentialsAddress is where ECS serves a task role's credentials
// (169.254.170.2, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI's host): one of
// the two plain-http hosts besides loopback that the SDKs accept in
// AWS_CONTAINER_CREDENTIALS_FULL_URI.
var CredentialsAddress = netip.MustParseAddr("169.254.170.2")

// CredentialsNetworkName names the network whose gateway is CredentialsAddress.
const CredentialsNetworkName = "portolan-task-credentials"

// CredentialsNetwork makes CredentialsAddress an address of the host, as
// the gateway of a /30 bridge network that no container joins, so that a
// server listening on it is reachable from every task network, as the DNS
// network's gateway is (see doc.go). The network belongs to the machine,
// not to an owner: two networks cannot hold the address, so servers share
// it (only one of them can listen there) and RemoveAll leaves it.
func (d *Driver) CredentialsNetwork(ctx context.Context) (netip.Addr, error) {
	d.netMu.Lock()
	defer d.netMu.Unlock()
	subnet := netip.PrefixFrom(CredentialsAddress, 30).Masked()
	for range 2 {
		if found, err := d.hasCredentialsNetwork(ctx); err != nil || found {
			return CredentialsAddress, err
		}
		_, err := d.cli.NetworkCreate(ctx, CredentialsNetworkName, client.NetworkCreateOptions{
			Driver: "bridge",
			IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: subnet, Gateway: CredentialsAddress}}},
		})
		if err == nil {
			return CredentialsAddress, nil
		}
		if !strings.Contains(err.Error(), "overlaps") && !strings.Contains(err.Error(), "already exists") {
			return netip.Addr{}, fmt.Errorf("create network %s on %s: %w", CredentialsNetworkName, subnet, err)
		}
		// Another server made it between our look and our create: look again.
	}
	return netip.Addr{}, fmt.Errorf("%s is taken by a network other than %s", subnet, CredentialsNetworkName)
}

// hasCredentialsNetwork reports whether some network's gateway is
// CredentialsAddress.
func (d *Driver) hasCredentialsNetwork(ctx context.Context) (bool, error) {
	res, err := d.cli.NetworkList(ctx, client.NetworkListOptions{})
	if err != nil {
		return false, err
	}
	for _, n := range res.Items {
		for _, c := range n.IPAM.Config {
			if c.Gateway == CredentialsAddress {
				return true, nil
			}
		}
	}
	return false, nil
}
