package sts

// Store layout: one record per issued access key.
const (
	keyPrefix     = "sts/"
	sessionPrefix = keyPrefix + "session/"
)

func sessionKey(accessKeyID string) string { return sessionPrefix + accessKeyID }
