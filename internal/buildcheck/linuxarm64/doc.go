// Package linuxarm64 builds Portolan for Linux on arm64.
package linuxarm64
