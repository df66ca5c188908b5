// Package registry is ECR's data plane: the Docker/OCI distribution API
// (`docker login`, `push`, `pull`) over the repositories of package ecr.
//
// The registry itself is the distribution project's (the library behind
// Docker's `registry` and Debian's docker-registry), storing blobs and
// manifests on its filesystem driver under the data dir. This package
// puts ECR in front of it:
//
//   - authentication: HTTP Basic with the user AWS and a password from
//     GetAuthorizationToken (`aws ecr get-login-password`), as ECR;
//   - repositories: a name that is not an ECR repository is NAME_UNKNOWN,
//     so pushing needs CreateRepository first, as in ECR;
//   - images: ECR's records are the truth. A manifest the library accepts
//     is recorded with ecr.Control.RecordPush before the client hears of
//     it (and IMMUTABLE tags are refused before it is stored); tags and
//     digests are resolved through ECR's view, so an image that
//     BatchDeleteImage or a lifecycle policy removed cannot be pulled,
//     and the tag list is ECR's.
//
// Blobs of deleted images stay on disk (nothing garbage-collects them yet).
package registry
