/* The help of every command: one text a command, printed by `yinfa COMMAND --help` and
 * `yinfa help COMMAND`, and turned into the manual page yinfa(1) by scripts/make-man.sh (through
 * help2man), so the two can never say different things. */
#include "common.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name, *summary, *text;
} command_help;

static const command_help commands[] = {
    { "render", "填充模板并排版，写出 PDF、PNG、OFD 或 Word 文件",
      "用法：yinfa render TEMPLATE [DATA] -o OUT.pdf|OUT.png|OUT.ofd|OUT.docx [选项]\n"
      "用数据填充模板，按 GB/T 9704 排版，写出 PDF（或 PNG 预览页，或可继续编辑的 Word 文件）。\n"
      "DATA 为 JSON 对象文件；也可以是多条记录的文件（JSON Lines、JSON 数组、CSV、.xlsx、.xls），\n"
      "此时须用 --record N 指明第几条（批量生成请用 yinfa batch）。\n"
      "  -o, --output FILE   输出文件：.pdf；.ofd（GB/T 33190 版式文档）；.png（一页为 FILE.png，\n"
      "                      多页为 FILE-1.png …）；.docx（Word 文件：段落用“正文”“标题”等样式，\n"
      "                      版面与 PDF 相同）\n"
      "      --draft         没有数据的槽位排为占位符“X”（可以不给 DATA）\n"
      "      --record N      多条记录的数据文件中的第 N 条（从 1 起）\n"
      "      --sheet NAME    .xlsx/.xls 中的工作表（默认第一张）\n"
      "      --group-by COL  表格中 COL 列相同的各行合为一条记录（如一期简报的各篇文章各占一行）\n"
      "      --dump FILE     把排版结果（每行位置、字数、挤压）写成文本，- 为标准输出\n"
      "      --page N        PNG：只写第 N 页（只用于 .png 输出）\n"
      "      --dpi N         PNG 的分辨率（默认 96）\n"
      "      --fonts-conf F  另用一个 fontconfig 文件决定有哪些字体\n"
      "  -q, --quiet         只打印错误\n"
      "      --json          问题以 JSON 数组写到标准输出（--dump - 时写到标准错误），\n"
      "                      每条含 code、file、line、column、path、slot、text\n"
      "输出是原子的：出错时不产生任何文件，已有的文件保持不变。输出只替换普通文件：设备、\n"
      "管道、目录、符号链接都拒绝（标准输出请用 -）；本次读取的任何文件（模板及其引用、\n"
      "图片、数据、字体配置）都不能作为输出。\n" },
    { "batch", "按多条记录批量生成",
      "用法：yinfa batch TEMPLATE DATA [-o DIR] [--name PATTERN] [--merge FILE.pdf]\n"
      "                  [--jobs N] [--shard K/N] [--resume] [--sheet NAME] [--group-by COL]\n"
      "                  [--format pdf|docx] [--draft] [--quiet] [--json]\n"
      "                  [--print [-P PRINTER] [--copies N | --copies-from SLOT] [--simplex]]\n"
      "DATA 中每条记录生成一份文件。DATA：JSON Lines（每行一个对象）、JSON 数组、CSV（首行为表头，\n"
      "表头“文章.标题”表示嵌套，“文章1.标题”“文章2.标题”表示列表），或 Excel/WPS 的 .xlsx、.xls。\n"
      "GBK 编码的 CSV 自动识别。\n"
      "  -o DIR           输出目录\n"
      "      --name P     文件名模式，如 '{期号}-{编印单位}.pdf'；{#} 为记录序号；默认 '{#}.pdf'\n"
      "      --format F   pdf 或 docx（Word 文件）；默认按 --name 的扩展名，否则 pdf\n"
      "      --merge F    另将所有文件合为一个 PDF，每份从奇数页开始，便于双面印刷\n"
      "  -j, --jobs N     并行进程数（默认为处理器核数）\n"
      "      --shard K/N  只处理第 K 份（共 N 份）：1/4、2/4、3/4、4/4\n"
      "      --resume     跳过已经生成的文件\n"
      "      --sheet NAME .xlsx/.xls 中的工作表（默认第一张）\n"
      "      --group-by C 表格中 C 列相同的各行合为一条记录：各行相同的值为一个值，不同的值成为\n"
      "                   列表，每行一项（如“期号”相同的几行是一期简报的几篇文章）\n"
      "  -q, --quiet      不显示进度\n"
      "      --print      生成后逐份送打印机（须有 -o DIR），每份一个打印任务，以文件名为名；\n"
      "                   -P、--copies、--copies-from、--simplex 同 yinfa print。打印记录存于\n"
      "                   DIR/.yinfa-print.json：加 --resume 再运行时只打印尚未打印的文件\n"
      "      --json       失败记录的问题最后以 JSON 数组写到标准输出，每条含 record（记录序号）\n"
      "有问题的记录逐条报告（记录序号和行号），其余照常生成；退出状态 1。\n" },
    { "print", "填充模板并排版，送打印机（CUPS）",
      "用法：yinfa print TEMPLATE DATA [-P PRINTER] [--copies N | --copies-from SLOT]\n"
      "                  [--simplex] [--record N] [--sheet NAME] [--group-by COL] [-q]\n"
      "排版后把 PDF 直接送 CUPS 打印机：A4 纸（iso_a4_210x297mm）、原大（不缩放，保持\n"
      "156 mm × 225 mm 版心）、双面长边装订、逐份打印（collated）。打印机不能做到时报错，\n"
      "不会悄悄改成单面或缩放。每个打印任务的状态（排队中、正在打印、已打印、失败）逐行显示。\n"
      "  -P, --printer P     打印机（默认：系统的默认打印机；yinfa printers 列出可用的打印机）\n"
      "      --copies N      份数（默认 1）\n"
      "      --copies-from S 份数取自数据中的槽位 S，如简报的“印数”（--copies-from 印数）\n"
      "      --simplex       单面打印\n"
      "      --record N      多条记录的数据文件中的第 N 条（从 1 起）\n"
      "      --sheet NAME    .xlsx/.xls 中的工作表（默认第一张）\n"
      "      --group-by COL  表格中 COL 列相同的各行合为一条记录\n"
      "      --fonts-conf F  另用一个 fontconfig 文件决定有哪些字体\n"
      "  -q, --quiet         只打印错误\n"
      "打印服务由环境变量 CUPS_SERVER 指定（默认本机的 cupsd）。\n" },
    { "printers", "列出打印机及其双面、A4、原大打印能力",
      "用法：yinfa printers\n"
      "列出 CUPS 中的打印机：状态（空闲、正在打印、已暂停）、是否接收任务、能否双面打印、\n"
      "有没有 A4 纸、能否原大（不缩放）打印，以及默认打印机。\n" },
    { "check", "检查模板和数据并排版，不写出文件",
      "用法：yinfa check TEMPLATE [DATA] [--record N] [--sheet NAME] [--group-by COL]\n"
      "                  [--fonts-conf F] [-q] [--json]\n"
      "像 render 一样填充和排版，但不写出文件；列出所有问题（模板、数据、版面）。\n"
      "DATA 含多条记录时检查每一条，每条问题标明记录序号和行号。没有 DATA 时只检查模板。\n"
      "  -q, --quiet      只打印错误\n"
      "      --json       问题以 JSON 数组写到标准输出：每条含 severity、code（见 docs/diagnostics.md）、\n"
      "                   file、line、column、path（JSON 路径）、slot、text、message，多条记录时另有 record\n" },
    { "text", "打印填好的正文，不排版",
      "用法：yinfa text TEMPLATE [DATA] [--record N] [--sheet NAME] [--group-by COL] [--draft]\n"
      "                 [-q] [--json]\n"
      "打印填好数据后的文字，每个段落一行，前面是它的种类（title、p、h1 …）。\n"
      "  -q, --quiet      只打印错误\n"
      "      --json       问题以 JSON 数组写到标准错误（标准输出是正文）\n" },
    { "slots", "打印数据骨架或槽位声明",
      "用法：yinfa slots TEMPLATE [--declarations | --csv]\n"
      "默认打印一份 JSON 数据骨架：每个槽位及其示例值，可以直接改成自己的数据。\n"
      "      --declarations  槽位声明（类型、标签、说明、是否必填）的 JSON，供表单使用\n"
      "      --csv           批量数据的 CSV 表头行（列表写成“文章1.标题”这样的编号列）\n" },
    { "serve", "在本机启动公文填写网页",
      "用法：yinfa serve [--port 8080] [--host 127.0.0.1] [--templates DIR] [--fonts-conf F]\n"
      "                  [--workers N] [-q]\n"
      "在本机启动公文填写网页：选择模板、填写表单、实时预览、下载 PDF。\n"
      "      --port N        端口（0 为任选一个空闲端口）；默认 8080\n"
      "      --host ADDR     监听地址；默认 127.0.0.1，只有本机可以访问\n"
      "      --templates DIR 模板目录（每个含 template.xml 的子目录是一种公文）\n"
      "      --workers N     同时生成文档的线程数（1–64，每个线程一份字体上下文）；\n"
      "                      默认为 CPU 核数，至少 2\n"
      "按 Ctrl+C 停止。\n" },
    { "extract", "由一份现成的公文生成新模板",
      "用法：yinfa extract SOURCE.txt|SOURCE.docx --name NEWTYPE [-o DIR] [-q]\n"
      "读一份公文（粘贴出来的纯文本，UTF-8 或 GB18030；或 Word/WPS 的 .docx），识别标题、副标题、\n"
      "主送机关或称呼、各级标题、段落、附件说明、署名和日期、附注、版记，判断文种（通知、请示、\n"
      "讲话稿、纪要、简报文章……），按同类模板的样子生成新模板：红头公文引用共用的版头和版记。\n"
      "原文中的 X（Ｘ、×）和 Word 中加底纹或突出显示的文字成为槽位，按上下文命名和定类型。\n"
      "写出 template.xml、data.json 和 README.md，并列出识别结果、槽位名称的由来和试用命令。\n"
      "  -o, --out DIR   写到 DIR（默认：用户模板目录 $XDG_DATA_HOME/yinfa/templates/NEWTYPE，\n"
      "                  即 ~/.local/share/yinfa/templates/NEWTYPE；之后可按名字使用）\n"
      "  -q              只报告错误\n"
      "已存在的目录不会被覆盖。\n" },
    { "fonts", "打印各字体角色所用的字体",
      "用法：yinfa fonts [--fonts-conf F]\n"
      "打印 GB/T 9704 的字体角色（小标宋、仿宋、黑体、楷体、宋体）各由哪种字体担任，\n"
      "以及替代字体的提示。\n" },
    { "help", "打印帮助",
      "用法：yinfa help [COMMAND]\n"
      "打印命令一览，或某个命令的帮助（同 yinfa COMMAND --help）。\n" },
};

const char *cli_help_text(const char *command)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(commands[i].name, command) == 0)
            return commands[i].text;
    return NULL;
}

void cli_print_usage(FILE *out)
{
    fputs("用法：yinfa COMMAND [参数]\n"
          "按 GB/T 9704-2012 生成党政机关公文（讲话稿、通知、简报、函 ……）：XML 模板加数据，\n"
          "排版为 PDF。\n\n命令：\n", out);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fputs("\nTEMPLATE：模板文件、含 template.xml 的目录，或 templates/ 下的模板名（如 speech）。\n"
          "yinfa COMMAND --help 打印各命令的帮助；yinfa --version 打印版本。\n"
          "退出状态：0 成功；1 模板、数据或输出错误；2 用法错误。\n", out);
}

/* `yinfa help [COMMAND]`. */
int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        cli_print_usage(stdout);
        return 0;
    }
    const char *text = cli_help_text(argv[1]);
    if (!text) {
        fprintf(stderr, "yinfa help: 没有命令“%s”\n\n", argv[1]);
        cli_print_usage(stderr);
        return EXIT_USAGE;
    }
    fputs(text, stdout);
    return 0;
}
