package ecs

import (
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// arnResource reads a parameter that takes a name, an id or an ARN
// (cluster, service, task, taskDefinition). isARN is false when ref is not
// an ARN (awsapi.IsARN); otherwise rest is what follows "typ/", and ok is
// false when ref names no such resource.
//
// It is deliberately more lenient than awsapi.ResourceOf(ref, "ecs", typ),
// which would give the same answer for every ARN ECS issues: ECS has always
// taken the name after ":typ/" from anything that starts with "arn:",
// whatever its service or number of fields (an EKS cluster ARN names ECS
// cluster "default"), and this refactor keeps what clients may send.
func arnResource(ref, typ string) (rest string, isARN, ok bool) {
	if !awsapi.IsARN(ref) {
		return "", false, false
	}
	_, rest, ok = strings.Cut(ref, ":"+typ+"/")
	return rest, true, ok
}
