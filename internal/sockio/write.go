package sockio

import "syscall"

// WriteAll writes the whole of p to the non-blocking socket fd, as many
// Writes as it takes, and returns how much went out: all of it, or less
// with the error that stopped it (EAGAIN: the socket's buffer is full).
func WriteAll(fd uintptr, p []byte) (sent int, err error) {
	for sent < len(p) {
		n, err := Write(fd, p[sent:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return sent, err
		}
		sent += n
	}
	return sent, nil
}
