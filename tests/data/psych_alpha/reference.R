# Reference values for tests/test_psychometrics_cli.py, from R's psych::alpha.
# Run from this folder: Rscript reference.R > reference.csv (R 4.2.2, psych 2.2.9 made the
# committed file). The tests compare alliance-kit psychometrics with it to 1e-9; they
# never need R.
suppressMessages(library(psych))
x <- read.csv("items.csv", na.strings = "")
x$Q2 <- 6 - x$Q2  # reverse-keyed items, as the definition says (1 + 5 - x)
x$Q7 <- 6 - x$Q7
scales <- list(first = paste0("Q", 1:5), second = paste0("Q", 6:10))
groups <- c("", sort(unique(x$Site)))
cat("group,score,item,statistic,value\n")
out <- function(group, score, item, statistic, value) {
  cat(sprintf("%s,%s,%s,%s,%.17g\n", group, score, item, statistic, value))
}
for (group in groups) {
  rows <- if (group == "") x else x[x$Site == group, ]
  for (score in names(scales)) {
    a <- alpha(rows[, scales[[score]]], check.keys = FALSE, warnings = FALSE)
    out(group, score, "", "alpha", a$total$raw_alpha)
    out(group, score, "", "std_alpha", a$total$std.alpha)
    out(group, score, "", "average_r", a$total$average_r)
    out(group, score, "", "mean", a$total$mean)
    out(group, score, "", "sd", a$total$sd)
    for (i in seq_along(scales[[score]])) {
      item <- tolower(scales[[score]][i])
      out(group, score, item, "n", a$item.stats$n[i])
      out(group, score, item, "mean", a$item.stats$mean[i])
      out(group, score, item, "sd", a$item.stats$sd[i])
      out(group, score, item, "raw_r", a$item.stats$raw.r[i])
      out(group, score, item, "r_drop", a$item.stats$r.drop[i])
      out(group, score, item, "alpha_if_deleted", a$alpha.drop$raw_alpha[i])
    }
  }
}
