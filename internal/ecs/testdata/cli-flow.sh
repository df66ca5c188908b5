#!/usr/bin/env bash
# An ECS task's life through the real AWS CLI v2 against $ENDPOINT, running
# $APP (a static HTTP server) on the process runtime.
set -euo pipefail
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_PAGER="" AWS_DEFAULT_REGION=us-east-1
ecsx() { "${AWS_CLI:-/usr/bin/aws}" --endpoint-url "$ENDPOINT" --output text ecs "$@"; }
expect() { [ "$1" == "$2" ] || { echo "FAIL: $3: got '$1', want '$2'" >&2; exit 1; }; }

ecsx create-cluster --cluster-name cli >/dev/null
td=$(ecsx register-task-definition --family cli-web --network-mode awsvpc --requires-compatibilities FARGATE \
  --cpu 256 --memory 512 --container-definitions "[{\"name\":\"web\",\"image\":\"$APP\",\"portMappings\":[{\"containerPort\":8080}]}]" \
  --query taskDefinition.taskDefinitionArn)
expect "${td##*:}" 1 "first revision"

out=$(ecsx register-task-definition --family cli-bad --network-mode awsvpc --requires-compatibilities FARGATE \
  --cpu 256 --memory 4096 --container-definitions "[{\"name\":\"web\",\"image\":\"x\"}]" 2>&1) && { echo "FAIL: bad cpu/memory accepted" >&2; exit 1; }
grep -q "(ClientException).*No Fargate configuration exists for given values: 256 CPU, 4096 memory" <<<"$out" || { echo "FAIL: $out" >&2; exit 1; }

task=$(ecsx run-task --cluster cli --task-definition cli-web --launch-type FARGATE \
  --network-configuration 'awsvpcConfiguration={subnets=[subnet-1]}' --query 'tasks[0].taskArn')
for _ in $(seq 100); do
  [ "$(ecsx describe-tasks --cluster cli --tasks "$task" --query 'tasks[0].lastStatus')" == RUNNING ] && break
  sleep 0.1
done
ip=$(ecsx describe-tasks --cluster cli --tasks "$task" --query 'tasks[0].containers[0].networkInterfaces[0].privateIpv4Address')
curl -fsS "http://$ip:8080/" >/dev/null || { echo "FAIL: task at $ip:8080 does not answer" >&2; exit 1; }
expect "$(ecsx list-tasks --cluster cli --query 'length(taskArns)')" 1 "list-tasks"

ecsx stop-task --cluster cli --task "$task" --reason "cli test" >/dev/null
for _ in $(seq 100); do
  [ "$(ecsx describe-tasks --cluster cli --tasks "$task" --query 'tasks[0].lastStatus')" == STOPPED ] && break
  sleep 0.1
done
expect "$(ecsx describe-tasks --cluster cli --tasks "$task" --query 'tasks[0].stopCode')" UserInitiated "stop code"
expect "$(ecsx describe-tasks --cluster cli --tasks "$task" --query 'tasks[0].stoppedReason')" "cli test" "stopped reason"
echo "ecs cli flow: ok"
