#!/bin/bash
# File-tree work with Debian's coreutils, findutils, tar and bash, run once inside the sandbox and once natively
# on the host (tests/Kernel.Tests/EndToEnd/TreeOpsTests.cs): the two outputs must be identical. Prints only what
# does not depend on the machine: names, sizes, modes, contents, checksums.
set -euo pipefail
export LC_ALL=C
umask 022
cd "$1"
mkdir -p a/b/c a/d
echo hello > a/b/c/f1
printf 'line2\nline1\nline3\n' > a/f2
touch a/empty
ln -s b/c/f1 a/link
chmod 640 a/f2
chmod 700 a/d
for i in $(seq 1 20); do echo "file $i" > "a/d/n$i"; done
cp -a a copy
mv copy/f2 copy/f2.moved
rm -r copy/b
ln copy/f2.moved copy/hard
echo "-- find"
find . | sort
echo "-- files"
find . -type f -printf '%s %m %n %p\n' | sort -k4
echo "-- links"
find . -type l -printf '%p -> %l\n' | sort
echo "-- stat"
stat -c '%n %s %F %a %h' a/f2 a/link a/empty copy/hard
readlink a/link
echo "-- sort"
sort a/f2
sort -r a/f2 | head -1
echo "-- sums"
sha256sum a/b/c/f1 a/f2 a/d/n7
du -b a/f2 a/b/c/f1
echo "-- tar"
tar cf t.tar a
mkdir x
tar xf t.tar -C x
diff -r a x/a && echo "tree restored"
tar tf t.tar | sort
cmp a/d/n20 x/a/d/n20 && echo "n20 same"
stat -c '%a' x/a/f2 x/a/d
echo "-- heredoc and redirections"
cat <<EOT > h.txt
x=$((2 + 3)) $(echo sub)
EOT
cat h.txt
wc -c < h.txt
exec 3> out.txt
echo via3 >&3
exec 3>&-
cat out.txt
ls nonexistent 2>err.txt || echo "ls failed: $?"
grep -c nonexistent err.txt
{ echo one; echo two; } | tac
echo "-- rm"
rm -r a copy x
ls
