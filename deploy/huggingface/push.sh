#!/usr/bin/env bash
# Publish the committed explorer to a Hugging Face Space that uses the Docker SDK:
#   deploy/huggingface/push.sh https://huggingface.co/spaces/USER/SPACE
# Create the Space first (SDK: Docker, blank). git asks for your Hugging Face user name and an access token
# with write access. The Space gets the committed tree (HEAD) with this folder's README.md, whose front matter
# tells the Hub to build the Dockerfile and open port 8501. Its history is replaced on every push.
set -euo pipefail
space=${1:?usage: deploy/huggingface/push.sh https://huggingface.co/spaces/USER/SPACE}
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git -C "$root" archive HEAD | tar -x -C "$work"
cp "$root/deploy/huggingface/README.md" "$work/README.md"
# The Hub refuses binary files outside its large-file storage; the screenshots are the README's, not the app's.
rm -f "$work"/assets/*.png

cd "$work"
git init --quiet --initial-branch=main
git add --all
git -c user.name="${GIT_AUTHOR_NAME:-Autograd Explorer}" -c user.email="${GIT_AUTHOR_EMAIL:-explorer@localhost}" \
    commit --quiet --message "Autograd Explorer $(git -C "$root" rev-parse --short HEAD)"
git push --force "$space" main
