#!/usr/bin/env bash
# Writes the manual page yinfa(1) from the program's own help: `yinfa --help` and `--version` read by
# help2man, and a section per command from `yinfa help COMMAND` — the same text as COMMAND --help,
# so the page and the program never disagree. Usage: scripts/make-man.sh BUILD/yinfa OUT.1
set -euo pipefail
yinfa=$1 out=$2
include=$(mktemp)
trap 'rm -f "$include"' EXIT
{
  printf '[NAME]\nyinfa \\- 按 GB/T 9704 生成党政机关公文（讲话稿、通知、简报、函）\n'
  echo '[命令]'
  for cmd in render batch print printers check text slots serve extract fonts help; do
    echo ".SS $cmd"
    echo '.nf'
    # roff: a leading dot or quote would be a request; a backslash an escape
    "$yinfa" help "$cmd" | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    echo '.fi'
  done
  cat <<'TXT'
[文件]
.TP
.I templates/
模板（每个含 template.xml 的子目录是一种公文）；也在 $YINFA_TEMPLATES 中查找。
.TP
.I fonts/yinfa-roles.conf
GB/T 9704 字体角色（小标宋、仿宋、黑体、楷体、宋体）到已装字体的对应。
[环境变量]
.TP
.B YINFA_TEMPLATES
另一个模板目录。
.TP
.B YINFA_FONTS_CONF
一个 fontconfig 文件，决定有哪些字体可用。
.TP
.B SOURCE_DATE_EPOCH
固定 PDF 的创建日期，使输出可以重现。
TXT
} > "$include"
LC_ALL=C.UTF-8 help2man --locale=C.UTF-8 --no-info --no-discard-stderr --section=1 --include="$include" --output="$out" "$yinfa"
