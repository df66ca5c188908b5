//go:build !linux

package dns

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// udpBatch is one read loop's messages where there is no recvmmsg: x/net's
// batch calls, which read and write one message per system call there.
type udpBatch struct {
	pc    batchConn
	log   *slog.Logger
	in    []ipv4.Message
	out   []ipv4.Message
	reply [][]byte
}

// batchConn is the part of ipv4.PacketConn / ipv6.PacketConn we use.
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

func newUDPBatch(conn *net.UDPConn, log *slog.Logger) (*udpBatch, error) {
	var pc batchConn = ipv4.NewPacketConn(conn)
	if a := conn.LocalAddr().(*net.UDPAddr); a.IP.To4() == nil {
		pc = ipv6.NewPacketConn(conn)
	}
	b := &udpBatch{pc: pc, log: log, in: make([]ipv4.Message, udpBatchSize), out: make([]ipv4.Message, udpBatchSize), reply: make([][]byte, udpBatchSize)}
	for i := range b.in {
		b.in[i].Buffers = [][]byte{make([]byte, udpReadBuf)}
		b.out[i].Buffers = make([][]byte, 1)
		b.reply[i] = make([]byte, 0, maxUDPReply)
	}
	return b, nil
}

func (b *udpBatch) read() (int, error) { return b.pc.ReadBatch(b.in, 0) }

func (b *udpBatch) query(i int) ([]byte, netip.AddrPort) {
	m := &b.in[i]
	a, ok := m.Addr.(*net.UDPAddr)
	if m.N >= udpReadBuf || !ok {
		return nil, netip.AddrPort{}
	}
	return m.Buffers[0][:m.N], a.AddrPort()
}

func (b *udpBatch) replyBuf(k int) []byte { return b.reply[k][:0] }

func (b *udpBatch) setReply(k, i int, p []byte) {
	b.out[k].Buffers[0] = p
	b.out[k].Addr = b.in[i].Addr
}

func (b *udpBatch) write(k int) error {
	for sent := 0; sent < k; {
		n, err := b.pc.WriteBatch(b.out[sent:k], 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// One bad destination fails the rest of the batch: skip it.
			b.log.Debug("dns udp write", "err", err)
			n++
		}
		sent += n
	}
	return nil
}
