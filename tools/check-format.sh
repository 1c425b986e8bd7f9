#!/bin/sh
# Fails, naming each file, when a C source or header of the repository is
# not as clang-format (with the repository's .clang-format) would write it.
# Run "clang-format -i FILE" to fix one.
cd "$(dirname "$0")/.." || exit 2
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed"; exit 2; }
bad=0
for f in $(git ls-files '*.c' '*.h'); do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "check-format: $f is not clang-format clean"
		bad=$((bad + 1))
	fi
done
[ $bad = 0 ] && echo "check-format: $(git ls-files '*.c' '*.h' | wc -l) files clean"
[ $bad = 0 ]
