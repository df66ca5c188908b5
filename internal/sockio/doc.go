// Package sockio reads and writes the sockets of the data planes' hot
// paths (the HTTP engine's client connections, the upstream client's
// connections to backends and targets, the NLB's copies) without the Go
// scheduler's system-call bookkeeping.
//
// A read or write through net.Conn enters the runtime's system-call state
// first. On a proxy pinned to one core that is costly out of proportion:
// whenever the process has gone idle for a moment (every connection
// waiting on a peer), the runtime's monitor thread (sysmon) sleeps, the
// next such system call wakes it, and a woken sysmon polls every 20 µs
// for a millisecond or more, each time taking the core from the thread
// doing the work, and hands the processor to another thread when a call
// lasts past one of its polls. The sockets here are non-blocking, so
// their reads and writes return at once and need none of that: on Linux
// they are made as raw system calls. Waiting for readiness still goes
// through the netpoller (syscall.RawConn.Read).
//
// Elsewhere every function falls back to what net.Conn does.
package sockio
