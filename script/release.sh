#!/bin/sh
# Cut a release of this action from the commit that is checked out.
#
#   sh script/release.sh [tag]          check, tag vX.Y.Z (annotated), move vX to it, push both to origin
#   sh script/release.sh notes [X.Y.Z]  print the CHANGELOG.md section of a version (default: package.json's)
#   sh script/release.sh version        print package.json's version
#
# `npm run release` runs the first; the Release workflow runs it too, then creates the GitHub release with
# the notes. Before tagging it refuses: uncommitted changes, a version that is not X.Y.Z, a tag vX.Y.Z that
# exists here or on origin, a CHANGELOG.md without a section for the version, and a dist/ that differs from
# a fresh build.
#
# Environment:
#   RELEASE_BUILD_COMMAND  how dist/ is rebuilt (default: npm run package); the tests stand in for it.
set -eu

REMOTE=origin

fail() {
  echo "release: $*" >&2
  exit 1
}

version() {
  [ -f package.json ] || fail "no package.json in $(pwd)."
  node -e '
    const { version } = JSON.parse(require("fs").readFileSync("package.json", "utf8"))
    if (typeof version !== "string") process.exit(1)
    console.log(version)
  ' || fail "package.json has no version."
}

# The lines under "## [X.Y.Z]" (or "## X.Y.Z", a date may follow) up to the next "## " heading, without
# Markdown link definitions ("[1.0.0]: https://...") and without blank lines at either end.
section() {
  [ -f CHANGELOG.md ] || return 1
  awk -v want="$1" '
    /^## / {
      if (inside) exit
      name = $2
      gsub(/\[|\]/, "", name)
      if (name == want) inside = 1
      next
    }
    inside && substr($0, 1, 1) == "[" && index($0, "]: ") > 1 { next }
    inside {
      if ($0 ~ /^[[:space:]]*$/) { if (seen) blank = blank "\n"; next }
      printf "%s%s\n", blank, $0
      blank = ""
      seen = 1
    }
  ' CHANGELOG.md
}

notes() {
  v=${1:-$(version)}
  text=$(section "$v") || true
  [ -n "$text" ] || fail "CHANGELOG.md has no section for $v (a heading '## [$v]' followed by notes)."
  printf '%s\n' "$text"
}

tag() {
  if [ -n "$(git status --porcelain)" ]; then
    git status --short >&2
    fail "the work tree has uncommitted changes: commit or stash them first."
  fi

  v=$(version)
  echo "$v" | grep -Eq '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$' ||
    fail "package.json's version '$v' is not X.Y.Z."
  full="v$v"
  major="v${v%%.*}"

  if git rev-parse -q --verify "refs/tags/$full" >/dev/null; then
    fail "tag $full exists already: bump the version in package.json (and CHANGELOG.md) first."
  fi
  remote_tags=$(git ls-remote --tags "$REMOTE" "refs/tags/$full") || fail "cannot reach the remote '$REMOTE'."
  [ -z "$remote_tags" ] || fail "tag $full exists already on $REMOTE: bump the version in package.json first."

  [ -n "$(section "$v" || true)" ] ||
    fail "CHANGELOG.md has no section for $v: add '## [$v]' with the release notes first."

  echo "release: rebuilding dist/ (${RELEASE_BUILD_COMMAND:-npm run package})"
  sh -c "${RELEASE_BUILD_COMMAND:-npm run package}" || fail "rebuilding dist/ failed."
  if [ -n "$(git status --porcelain -- dist)" ]; then
    git status --short -- dist >&2
    fail "dist/ is stale: it differs from a fresh build. Commit the rebuilt dist/, then release again."
  fi

  commit=$(git rev-parse HEAD)
  previous_major=$(git rev-parse -q --verify "refs/tags/$major^{commit}" || true)
  git tag -a "$full" -m "$full" "$commit"
  git tag -f "$major" "$commit" >/dev/null
  # One atomic push: both tags move, or neither. The "+" forces the major tag only.
  if ! git push --atomic "$REMOTE" "refs/tags/$full" "+refs/tags/$major"; then
    # Undo the local tags so that the release can simply be run again.
    git tag -d "$full" >/dev/null
    if [ -n "$previous_major" ]; then git tag -f "$major" "$previous_major" >/dev/null; else git tag -d "$major" >/dev/null; fi
    fail "pushing $full and $major to $REMOTE failed; the local tags are as they were."
  fi
  echo "release: tagged $full at $commit, moved $major to it, pushed both to $REMOTE."
}

cd "$(git rev-parse --show-toplevel)" || fail "not inside a git work tree."
case "${1:-tag}" in
  tag) tag ;;
  notes) notes "${2:-}" ;;
  version) version ;;
  *) fail "unknown command '$1' (commands: tag, notes [X.Y.Z], version)." ;;
esac
