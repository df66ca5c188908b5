package iam

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"
)

// awsManagedPrefix starts the ARN of every AWS managed policy.
const awsManagedPrefix = "arn:aws:iam::aws:policy/"

// awsManaged are the AWS managed policies GetPolicy and GetPolicyVersion
// know, with the documents AWS publishes for them: the ones ECS, Lambda
// and CDK templates attach most. Attaching any other AWS managed ARN is
// accepted (IAM has hundreds) but it cannot be read back with GetPolicy.
var awsManaged = map[string]awsManagedPolicy{
	"service-role/AmazonECSTaskExecutionRolePolicy": {"v1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`},
	"service-role/AWSLambdaBasicExecutionRole":      {"v1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`},
	"AdministratorAccess":                           {"v1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
}

type awsManagedPolicy struct {
	version, document string
}

// awsManagedID is the PolicyId of an AWS managed policy: Portolan's own,
// the same on every server (ANPA and the name's hash in IAM's alphabet).
func awsManagedID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "ANPA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// awsManagedCreated is the date every AWS managed policy reads as created.
var awsManagedCreated = time.Date(2015, 2, 6, 18, 40, 0, 0, time.UTC)

// isAWSManaged reports whether arn is in AWS's managed policy namespace
// with a name IAM could have given.
func isAWSManaged(arn string) bool {
	rest, ok := strings.CutPrefix(arn, awsManagedPrefix)
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	return ok && namePattern.MatchString(name) && !strings.Contains(rest, "//")
}

// awsManagedRecord is a known AWS managed policy as a record, or nil.
func awsManagedRecord(arn string) *policyRecord {
	p, ok := awsManaged[strings.TrimPrefix(arn, awsManagedPrefix)]
	if !ok || !strings.HasPrefix(arn, awsManagedPrefix) {
		return nil
	}
	rest := strings.TrimPrefix(arn, awsManagedPrefix)
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	return &policyRecord{
		Policy: Policy{PolicyName: name, PolicyId: awsManagedID(rest), Arn: arn, Path: "/" + rest[:len(rest)-len(name)],
			DefaultVersionId: p.version, IsAttachable: true, CreateDate: awsManagedCreated, UpdateDate: awsManagedCreated},
		Versions: []PolicyVersion{{Document: p.document, VersionId: p.version, IsDefaultVersion: true, CreateDate: awsManagedCreated}},
	}
}
