# scdoc's roff, with the paragraph macros that do nothing taken out, so that
# mandoc -T lint -W warning has nothing to say and man renders the same page:
# a .P right after a heading or another .P, or right before a heading or at
# the end, is dropped; ".P .RE" (the space after an indented block) becomes
# ".RE .P".
{ l[NR] = $0 }
END {
    for (i = 1; i <= NR; i++) {
        if (l[i] == ".P" && l[i + 1] == ".RE") {
            l[i] = ".RE"
            l[i + 1] = ".P"
        }
        if (l[i] == ".P" && (l[i - 1] ~ /^\.(SH|SS|TH|P)( |$)/ || l[i + 1] ~ /^\.(SH|SS|P)( |$)/ || i == NR))
            continue
        print l[i]
    }
}
