// Package darwinarm64 builds Portolan for macOS on Apple silicon.
package darwinarm64
