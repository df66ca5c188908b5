// Package stack deploys CloudFormation templates — the subset CDK
// synthesizes for the API Gateway → Cloud Map → ECS stack — by calling the
// services' own Go APIs in dependency order. The template language lives in
// stack/template; this package creates, updates and deletes resources,
// records each stack's deployed state in the store, reports progress as
// stack events and rolls a failed deploy back.
package stack
