//go:build !linux

package main

import (
	"errors"
	"time"
)

func serveEpoll(addr, backend string, spin time.Duration) error {
	return errors.New("the epoll model is Linux only")
}
