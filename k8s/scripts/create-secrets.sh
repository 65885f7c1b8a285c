#!/usr/bin/env bash
# Creates (or updates) the `quire-secrets` Secret the Quire pods and KEDA read, from the Secret the
# RabbitMQ Cluster Operator generated for the broker (<cluster>-default-user). Run it once per
# environment after the RabbitmqCluster is up, and again if the broker credentials change.
#
#   k8s/scripts/create-secrets.sh <namespace> [bootstrap-api-key]
#
# Keys written:
#   QUIRE_AMQP_URL                 amqp://<user>:<pass>@<cluster>.<ns>.svc:5672
#   QUIRE_RABBITMQ_MANAGEMENT_URL  http://<user>:<pass>@<cluster>.<ns>.svc:15672/
#       (namespace-qualified because KEDA's operator resolves it from its own namespace; the
#        trailing slash is KEDA's way of saying "default vhost")
#   QUIRE_BOOTSTRAP_API_KEY        only when given (argument or env): the platform operator key
#   QUIRE_WEBHOOK_SECRET_KEY       seals tenants' webhook signing secrets: kept when the Secret already has
#       one (changing it makes every stored secret unreadable), else QUIRE_WEBHOOK_SECRET_KEY from the
#       environment, else 32 random bytes (hex)
# QUIRE_DATABASE_URL is not here: pods read it from CloudNativePG's own `quire-db-app` Secret.
set -euo pipefail

ns="${1:?usage: create-secrets.sh <namespace> [bootstrap-api-key]}"
api_key="${2:-${QUIRE_BOOTSTRAP_API_KEY:-}}"
cluster="${RABBITMQ_CLUSTER:-quire-rabbitmq}"

# Percent-encode a URL userinfo part (the operator's generated credentials are URL-safe, but a
# user-supplied password may not be).
urlencode() {
  local s="$1" out="" c
  local LC_ALL=C
  while [ -n "$s" ]; do
    c="${s:0:1}"
    s="${s:1}"
    case "$c" in
      [a-zA-Z0-9.~_-]) out+="$c" ;;
      *) out+="$(printf '%%%02X' "'$c")" ;;
    esac
  done
  printf '%s' "$out"
}

field() {
  kubectl -n "$ns" get secret "$cluster-default-user" -o "jsonpath={.data.$1}" | base64 -d
}

user="$(urlencode "$(field username)")"
pass="$(urlencode "$(field password)")"
host="$cluster.$ns.svc"

args=(
  --from-literal=QUIRE_AMQP_URL="amqp://$user:$pass@$host:5672"
  --from-literal=QUIRE_RABBITMQ_MANAGEMENT_URL="http://$user:$pass@$host:15672/"
)
webhook_key="$(kubectl -n "$ns" get secret quire-secrets -o 'jsonpath={.data.QUIRE_WEBHOOK_SECRET_KEY}' 2>/dev/null | base64 -d || true)"
webhook_key="${webhook_key:-${QUIRE_WEBHOOK_SECRET_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n")}}"
args+=(--from-literal=QUIRE_WEBHOOK_SECRET_KEY="$webhook_key")
if [ -n "$api_key" ]; then
  args+=(--from-literal=QUIRE_BOOTSTRAP_API_KEY="$api_key")
fi

# create --dry-run | apply: idempotent, updates an existing Secret in place.
kubectl -n "$ns" create secret generic quire-secrets "${args[@]}" --dry-run=client -o yaml |
  kubectl -n "$ns" label --local -f - app.kubernetes.io/part-of=quire -o yaml |
  kubectl -n "$ns" apply -f -
echo "quire-secrets updated in namespace $ns (restart the Quire pods to pick up changed values)"
