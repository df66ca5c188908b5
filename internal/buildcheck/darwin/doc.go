// Package darwin builds Portolan for macOS on Intel and Apple silicon.
package darwin
