// Package windows builds Portolan for Windows on amd64.
package windows
