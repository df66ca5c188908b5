"""Register instances and discover them with boto3 against $ENDPOINT.

boto3 sends DiscoverInstances to data-<endpoint host> (the operation's
hostPrefix), so /etc/hosts must map data-localhost. Prints one JSON object
for boto3_test.go to check: the URL each data-plane call went to and what
DiscoverInstances returned.
"""

import json
import os
import sys

import boto3
from botocore.config import Config

sd = boto3.client(
    "servicediscovery",
    endpoint_url=os.environ["ENDPOINT"],
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10),
)

# Record where the data-plane calls are sent: proving the data- host was
# used is the point of this script.
urls = {}


def record(request, event_name, **_):
    urls[event_name.rsplit(".", 1)[-1]] = request.url


sd.meta.events.register("before-send.servicediscovery.DiscoverInstances", record)
sd.meta.events.register("before-send.servicediscovery.DiscoverInstancesRevision", record)

op = sd.create_http_namespace(Name="boto3-ns")["OperationId"]
operation = sd.get_operation(OperationId=op)["Operation"]
assert operation["Status"] == "SUCCESS", operation
ns = operation["Targets"]["NAMESPACE"]
svc = sd.create_service(Name="web", NamespaceId=ns, HealthCheckCustomConfig={})["Service"]["Id"]
for i, health in ((1, "HEALTHY"), (2, "UNHEALTHY")):
    sd.register_instance(
        ServiceId=svc,
        InstanceId=f"boto-{i}",
        Attributes={"AWS_INSTANCE_IPV4": f"10.1.0.{i}", "AWS_INSTANCE_PORT": "8080", "AWS_INIT_HEALTH_STATUS": health, "lang": "python"},
    )

found = sd.discover_instances(NamespaceName="boto3-ns", ServiceName="web", HealthStatus="HEALTHY", QueryParameters={"lang": "python"})
# DiscoverInstancesRevision came in botocore 1.31: Debian's boto3 lacks it,
# and its model drops InstancesRevision from DiscoverInstances' answer.
revision = None
if hasattr(sd, "discover_instances_revision"):
    revision = sd.discover_instances_revision(NamespaceName="boto3-ns", ServiceName="web")["InstancesRevision"]
json.dump(
    {
        "urls": urls,
        "instances": found["Instances"],
        "instancesRevision": found.get("InstancesRevision"),  # in botocore 1.31's model on
        "revision": revision,
    },
    sys.stdout,
)
