# Domain proportions with R's survey package, the reference our estimation core is checked against.
# Usage: Rscript proportions.R data.csv margins.csv|- lonely_psu out.csv
#   data.csv:    y (0/1, empty = no valid answer), domain (empty = in no domain), psu, stratum,
#                w (base weight), optional fpc (the population's PSUs in the stratum), and one
#                column per calibration variable
#   margins.csv: variable, level, count; '-' for weights used as fixed
#   out.csv:     per domain: n, estimate, se, logit and beta CIs, deff, df, the final weights' sum
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], colClasses = "character", na.strings = "")
data$y <- as.numeric(data$y)
data$w <- as.numeric(data$w)
options(survey.lonely.psu = args[3])
if ("fpc" %in% names(data)) {
  data$fpc <- as.numeric(data$fpc)
  design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc, data = data,
                      nest = TRUE)
} else {
  design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = data, nest = TRUE)
}
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
domains <- sort(unique(data$domain[!is.na(data$domain)]))
rows <- lapply(domains, function(g) {
  inside <- !is.na(data$domain) & data$domain == g & !is.na(data$y)
  # drop = FALSE keeps every row of the design (zero weight outside): a domain, not a subset.
  d <- design[inside, , drop = FALSE]
  d$variables$y[!inside] <- 0  # zero weight there; a value keeps svymean from dropping rows
  m <- svymean(~y, d, deff = "replace")
  logit <- svyciprop(~y, d, method = "logit")
  beta <- svyciprop(~y, d, method = "beta")
  data.frame(domain = g, n = sum(inside), estimate = coef(m)[[1]], se = SE(m)[[1]],
             logit_low = attr(logit, "ci")[[1]], logit_high = attr(logit, "ci")[[2]],
             beta_low = attr(beta, "ci")[[1]], beta_high = attr(beta, "ci")[[2]],
             deff = deff(m)[[1]], df = degf(d), logit_estimate = coef(logit)[[1]])
})
out <- do.call(rbind, rows)
out[] <- lapply(out, function(col) if (is.numeric(col)) sprintf("%.17g", col) else col)
write.csv(out, args[4], row.names = FALSE)
