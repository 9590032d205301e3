#!/usr/bin/env bash
# Walks through a container's life against a running localdev host service (tools/run-localdev.sh):
# spin up the test image through the API, send the start values and the config token the way the
# webserver and client app do, show the resource files and .ready, write a user setting, kill the
# container, and show the saved (encrypted) config archive and what is inside it.
# Run as root on the same machine. Settings: HOST_SERVICE_PORT, FRACTAL_DIR, FRACTAL_PRIVATE_DIR,
# USER_CONFIGS_DIR and WEBSERVER_AUTH_SECRET as given to the service.
set -euo pipefail

port=${HOST_SERVICE_PORT:-4678}
fractal_dir=${FRACTAL_DIR:-/fractal}
store=${USER_CONFIGS_DIR:-${FRACTAL_PRIVATE_DIR:-/fractalprivate}/user-configs}
secret=${WEBSERVER_AUTH_SECRET:-testwebserverauthsecretdev}
image=${TEST_IMAGE:-fractal/test-protocol:latest}
app=walkthrough
user=walkthrough-user
token=walkthrough-token-$RANDOM$RANDOM
client_secret=walkthrough-client-secret

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
api() { # api <endpoint> <json>: prints the body, fails on a status other than 200
  local out status
  out=$(curl --insecure --silent --show-error -X PUT "https://127.0.0.1:$port/$1" \
    -H 'content-type: application/json' -d "$2" -w '\n%{http_code}')
  status=${out##*$'\n'}
  printf '%s -> %s %s\n' "$1" "$status" "${out%$'\n'*}" >&2
  [ "$status" = 200 ] || { echo "walkthrough: $1 answered $status" >&2; exit 1; }
  printf '%s' "${out%$'\n'*}"
}
json_result() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).result))'; }

command -v curl >/dev/null || { echo "walkthrough: needs curl" >&2; exit 1; }

step "spin up $image (PUT /spin_up_container, localdev only)"
docker_id=$(api spin_up_container "{\"auth_secret\":\"$secret\",\"app_name\":\"$app\",\"app_image\":\"$image\",\"mount_command\":\"\",\"protocol_timeout\":60}" | json_result)
fractal_id=$(docker inspect -f '{{index .Config.Labels "fractal.id"}}' "$docker_id")
host_port=$(docker inspect -f '{{(index (index .NetworkSettings.Ports "32262/tcp") 0).HostPort}}' "$docker_id")
echo "docker id $docker_id, FractalID $fractal_id, host port of 32262/tcp: $host_port"
resources=$fractal_dir/$fractal_id/containerResourceMappings

show_resources() {
  ls -la "$resources"
  for f in "$resources"/* "$resources"/.ready; do
    [ -f "$f" ] && printf '  %s = %s\n' "$(basename "$f")" "$(cat "$f")"
  done
  return 0
}
step "resource files before the start values (no .ready yet)"
show_resources

step "start values from the webserver (PUT /set_container_start_values)"
api set_container_start_values "{\"auth_secret\":\"$secret\",\"host_port\":$host_port,\"dpi\":192,\"user_id\":\"$user\",\"client_app_auth_secret\":\"$client_secret\",\"container_ARN\":\"arn:aws:ecs:localdev:0:task/walkthrough\"}" >/dev/null
step "config token from the client app (PUT /set_config_encryption_token)"
api set_config_encryption_token "{\"host_port\":$host_port,\"user_id\":\"$user\",\"config_encryption_token\":\"$token\",\"client_app_auth_secret\":\"$client_secret\"}" >/dev/null

step "resource files now, with .ready"
show_resources
sleep 1
step "the container's log (the test protocol prints what it was given)"
docker logs "$docker_id" 2>&1 | tail -n 20

configs=$fractal_dir/$fractal_id/userConfigs/unpacked_configs
step "the app saves a setting in its user-config dir"
echo "resolution=3840x2160 saved=$(date -u +%FT%TZ)" >"$configs/walkthrough-settings.ini"
ls -la "$configs"

step "docker kill: the host service cleans up and saves the config"
docker kill "$docker_id" >/dev/null
for _ in $(seq 1 100); do
  [ -e "$fractal_dir/$fractal_id" ] || break
  sleep 0.2
done
[ ! -e "$fractal_dir/$fractal_id" ] && echo "$fractal_dir/$fractal_id is gone"
archive=$store/$user/$app/fractal-app-config.tar.lz4.enc
for _ in $(seq 1 50); do [ -f "$archive" ] && break; sleep 0.2; done
ls -la "$archive"
head -c 16 "$archive" | od -An -c | head -n 1

step "inside the archive (openssl aes-256-cbc -d -pbkdf2 | lz4 -d | tar -t)"
if command -v openssl >/dev/null && command -v lz4 >/dev/null; then
  openssl aes-256-cbc -d -pbkdf2 -pass "pass:$token" -in "$archive" | lz4 -dc | tar -tvf -
  openssl aes-256-cbc -d -pbkdf2 -pass "pass:$token" -in "$archive" | lz4 -dc | tar -xOf - walkthrough-settings.ini
else
  echo "(install openssl and lz4 to list it: apt-get install openssl lz4)"
fi
