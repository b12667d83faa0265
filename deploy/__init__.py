"""Scale-out deployment: the replicas' nginx load balancer (`deploy.lb`), its template and
renderer (deploy/nginx/), the compose override (deploy/compose/) and Kubernetes manifests
(deploy/k8s/).

Example:
    python -m deploy.lb --replica 127.0.0.1:9000:9001 --replica 127.0.0.1:9002:9003
"""
