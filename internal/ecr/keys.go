package ecr

// Store layout, under keyPrefix.
const keyPrefix = "ecr/"

const repoPrefix = keyPrefix + "repo/"

// repoKey holds a repository and everything ECR knows of its images.
func repoKey(name string) string { return repoPrefix + name }

// signingKeyKey holds the secret authorization tokens are signed with,
// made on first use and kept, so tokens outlive a restart as they do on AWS.
const signingKeyKey = keyPrefix + "signingkey"
