# Shares of every answer category of several items by domain, with their full covariance
# matrix, from R's survey package: the reference for domain_shares, variance_of, covariance_of.
# Usage: Rscript shares.R data.csv margins.csv|- lonely_psu estimates.csv covariance.csv
#   data.csv:    psu, stratum, w (base weight), domain (empty = in no domain), one column per
#                item named item_* (category codes; empty = no answer), the calibration variables
#   margins.csv: variable, level, count; '-' for weights used as fixed
#   estimates.csv: per (item, domain, category) in that order: estimate, se
#   covariance.csv: the covariance matrix of those estimates, in the same order
# A domain's share of category k is the ratio of the totals of 1[domain, answer = k] and
# 1[domain, answered]: svyratio(covmat = TRUE) linearises all of them jointly.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], colClasses = "character", na.strings = "")
data$w <- as.numeric(data$w)
options(survey.lonely.psu = args[3])
items <- grep("^item_", names(data), value = TRUE)
domains <- sort(unique(data$domain[!is.na(data$domain)]))
numerators <- character(0)
denominators <- character(0)
for (item in items) {
  categories <- sort(unique(as.integer(data[[item]][!is.na(data[[item]])])))
  for (g in domains) {
    answered <- !is.na(data$domain) & data$domain == g & !is.na(data[[item]])
    d <- paste("d", item, g, sep = "_")
    data[[d]] <- as.numeric(answered)
    for (k in categories) {
      z <- paste("z", item, g, k, sep = "_")
      data[[z]] <- as.numeric(answered & as.integer(data[[item]]) == k)
      numerators <- c(numerators, z)
      denominators <- c(denominators, d)
    }
  }
}
design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = data, nest = TRUE)
if (args[2] != "-") {
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
ratios <- svyratio(reformulate(numerators), reformulate(unique(denominators)), design,
                   covmat = TRUE)
wanted <- paste(numerators, denominators, sep = "/")
estimate <- as.vector(coef(ratios))
names(estimate) <- names(coef(ratios))
covariance <- vcov(ratios)[wanted, wanted]
out <- data.frame(column = wanted, estimate = sprintf("%.17g", estimate[wanted]),
                  se = sprintf("%.17g", sqrt(diag(covariance))))
write.csv(out, args[4], row.names = FALSE)
write.csv(format(covariance, digits = 17), args[5], row.names = FALSE)
