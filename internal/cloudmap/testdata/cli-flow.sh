#!/usr/bin/env bash
# The Cloud Map lifecycle driven by the real AWS CLI v2 against $ENDPOINT.
# DiscoverInstances goes to data-<host>: /etc/hosts must map data-localhost.
set -euo pipefail
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_PAGER="" AWS_DEFAULT_REGION=us-east-1
awsx() { "${AWS_CLI:-/usr/bin/aws}" --endpoint-url "$ENDPOINT" --output text "$@"; }
sdx() { awsx servicediscovery "$@"; }
expect() { [ "$1" == "$2" ] || { echo "FAIL: $3: got '$1', want '$2'" >&2; exit 1; }; }
expect_error() { # expect_error CODE command...
  local code=$1 out; shift
  if out=$("$@" 2>&1); then echo "FAIL: '$*' succeeded, want $code" >&2; exit 1; fi
  grep -q "($code)" <<<"$out" || { echo "FAIL: '$*' gave: $out; want $code" >&2; exit 1; }
}

op=$(sdx create-private-dns-namespace --name cli.local --vpc vpc-cli --query OperationId)
expect "$(sdx get-operation --operation-id "$op" --query Operation.Status)" SUCCESS "create namespace operation"
ns=$(sdx get-operation --operation-id "$op" --query Operation.Targets.NAMESPACE)
op=$(sdx create-http-namespace --name cli-http --query OperationId)
http_ns=$(sdx get-operation --operation-id "$op" --query Operation.Targets.NAMESPACE)
expect "$(sdx list-namespaces --query 'length(Namespaces)')" 2 "two namespaces"

svc=$(sdx create-service --name web --namespace-id "$ns" \
  --dns-config 'RoutingPolicy=MULTIVALUE,DnsRecords=[{Type=A,TTL=10},{Type=SRV,TTL=10}]' \
  --health-check-custom-config FailureThreshold=1 --query Service.Id)
for i in 1 2 3; do
  sdx register-instance --service-id "$svc" --instance-id "task-$i" \
    --attributes "AWS_INSTANCE_IPV4=10.0.0.$i,AWS_INSTANCE_PORT=8080,color=blue" >/dev/null
done
expect "$(sdx get-service --id "$svc" --query Service.InstanceCount)" 3 "instance count"
sdx update-instance-custom-health-status --service-id "$svc" --instance-id task-3 --status UNHEALTHY
expect "$(sdx discover-instances --namespace-name cli.local --service-name web --health-status HEALTHY --query 'length(Instances)')" 2 "discover HEALTHY"
expect "$(sdx discover-instances --namespace-name cli.local --service-name web --health-status UNHEALTHY --query 'Instances[0].InstanceId')" task-3 "discover UNHEALTHY"
expect "$(sdx discover-instances --namespace-name cli.local --service-name web --health-status ALL --query 'length(Instances)')" 3 "discover ALL"
expect "$(sdx get-instances-health-status --service-id "$svc" --query Status.\"task-3\")" UNHEALTHY "health status"

expect_error NamespaceNotFound sdx get-namespace --id ns-doesnotexist0000
expect_error ServiceAlreadyExists sdx create-service --name web --namespace-id "$ns" --dns-config 'DnsRecords=[{Type=A,TTL=10}]'
expect_error InvalidInput sdx register-instance --service-id "$svc" --instance-id task-9 --attributes color=red
expect_error ResourceInUse sdx delete-service --id "$svc"
expect_error ResourceInUse sdx delete-namespace --id "$ns"
expect_error InstanceNotFound sdx deregister-instance --service-id "$svc" --instance-id nope

for i in 1 2 3; do sdx deregister-instance --service-id "$svc" --instance-id "task-$i" >/dev/null; done
expect "$(sdx discover-instances --namespace-name cli.local --service-name web --health-status ALL --query 'length(Instances)')" 0 "discover after deregister"
sdx delete-service --id "$svc"
sdx delete-namespace --id "$ns" >/dev/null
sdx delete-namespace --id "$http_ns" >/dev/null
expect "$(sdx list-namespaces --query 'length(Namespaces)')" 0 "namespaces after delete"
echo "cli flow: ok"
