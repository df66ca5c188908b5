//go:build !linux

package main

import (
	"errors"
	"time"
)

func serveEpoll(addr, backend string, spin time.Duration) error {
	return errors.New("the epoll model is Linux only")
}

func serveCoroutines(addr, backend string) error {
	return errors.New("the coroutine model is Linux only")
}
