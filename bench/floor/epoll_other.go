//go:build !linux

package main

import "errors"

func serveEpoll(addr, backend string) error {
	return errors.New("the epoll model is Linux only")
}
