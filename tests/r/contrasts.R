# Answer distributions, domain contrasts and the Rao-Scott test with R's survey package.
# Usage: Rscript contrasts.R data.csv margins.csv|- lonely_psu reference|- out_prefix
#   data.csv:    item (answer code, empty = unanswered), y (0/1 indicator, empty = not valid),
#                domain (group, empty = none), psu, stratum, w (base weight), calibration columns
#   margins.csv: variable, level, count; '-' for weights used as fixed
#   reference:   a group every other group is compared with; '-' for each group against the rest
# Writes out_prefix + distributions.csv, contrasts.csv and chisq.csv.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], colClasses = "character", na.strings = "")
data$y <- as.numeric(data$y)
data$w <- as.numeric(data$w)
options(survey.lonely.psu = args[3])
design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = data, nest = TRUE)
calibrated <- args[2] != "-"
if (calibrated) {
  margins <- read.csv(args[2], colClasses = c("character", "character", "numeric"))
  variables <- unique(margins$variable)
  population <- lapply(variables, function(v) {
    m <- margins[margins$variable == v, c("level", "count")]
    names(m) <- c(v, "Freq")
    m
  })
  formulas <- lapply(variables, function(v) as.formula(paste0("~", v)))
  design <- calibrate(design, formulas, population, calfun = "raking",
                      epsilon = 1e-13, maxit = 1000)
}
number <- function(frame) {
  frame[] <- lapply(frame, function(col) if (is.numeric(col)) sprintf("%.17g", col) else col)
  frame
}
groups <- sort(unique(data$domain[!is.na(data$domain)]))

# Distributions: svymean(~factor(item)) in each domain of the full design (no subsetting).
answered <- !is.na(data$item) & !is.na(data$domain)
categories <- sort(unique(as.integer(data$item[answered])))
distributions <- do.call(rbind, lapply(groups, function(g) {
  inside <- answered & data$domain == g
  d <- design[inside, , drop = FALSE]
  d$variables$category <- factor(ifelse(inside, data$item, categories[1]), levels = categories)
  m <- svymean(~category, d)
  data.frame(domain = g, category = categories, estimate = unname(coef(m)),
             se = unname(SE(m)))
}))
write.csv(number(distributions), paste0(args[5], "distributions.csv"), row.names = FALSE)

# Contrasts of the indicator: svyby(covmat = TRUE) over (group, other side, outside), then
# svycontrast of the group against the other side, in the full design (calibrated: svyglm).
valid <- !is.na(data$y) & !is.na(data$domain)
design$variables$y0 <- ifelse(valid, data$y, 0)
compared <- if (args[4] == "-") groups else setdiff(groups, args[4])
contrasts <- do.call(rbind, lapply(compared, function(g) {
  other <- if (args[4] == "-") valid & data$domain != g else valid & data$domain == args[4]
  side <- ifelse(valid & data$domain == g, "a", ifelse(other, "b", "out"))
  design$variables$side <- factor(side, levels = c("b", "a", "out"))
  by <- svyby(~y0, ~side, design, svymean, covmat = !calibrated)
  if (calibrated) {
    # svyby(covmat = TRUE) fails on calibrated designs in survey 4.1 ("number of items to
    # replace"); the second route is svyglm with the side as predictor, in the domain.
    fit <- svyglm(y0 ~ side, subset(design, side != "out"))
    difference <- coef(fit)[["sidea"]]
    se <- SE(fit)[["sidea"]]
  } else {
    diff <- svycontrast(by, c(a = 1, b = -1))
    difference <- unname(coef(diff))
    se <- unname(SE(diff))
  }
  data.frame(group = g, reference = if (args[4] == "-") "rest" else args[4],
             estimate = coef(by)[["a"]], estimate_reference = coef(by)[["b"]],
             difference = difference, se = se)
}))
write.csv(number(contrasts), paste0(args[5], "contrasts.csv"), row.names = FALSE)

# Rao-Scott F test of the indicator against the groups, in the valid population.
design$variables$answer <- factor(data$y)
tested <- subset(design, valid)
test <- svychisq(~answer + domain, tested, statistic = "F")
write.csv(number(data.frame(statistic = unname(test$statistic),
                            df_numerator = unname(test$parameter[1]),
                            df_denominator = unname(test$parameter[2]),
                            p_value = test$p.value, df = degf(tested))),
          paste0(args[5], "chisq.csv"), row.names = FALSE)
