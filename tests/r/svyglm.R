# Survey-weighted logistic regression with R's survey package (the model's reference).
# Usage: Rscript svyglm.R data.csv out.csv
#   data.csv: y (0/1), weight, cluster, stratum, optional fpc (the population's clusters in the
#             stratum), then the model's columns (intercept included)
#   out.csv:  term, estimate, std_error, df (residual design df), p_value (summary's t test)
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], check.names = FALSE)
given <- intersect(c("y", "weight", "cluster", "stratum", "fpc"), names(data))
terms <- setdiff(names(data), given)
names(data) <- c(given, paste0("x", seq_along(terms)))
if ("fpc" %in% given) {
  design <- svydesign(ids = ~cluster, strata = ~stratum, weights = ~weight, fpc = ~fpc,
                      data = data, nest = TRUE)
} else {
  design <- svydesign(ids = ~cluster, strata = ~stratum, weights = ~weight, data = data,
                      nest = TRUE)
}
formula <- as.formula(paste("y ~ 0 +", paste0("x", seq_along(terms), collapse = " + ")))
control <- glm.control(epsilon = 1e-12, maxit = 100)
fit <- svyglm(formula, design, family = quasibinomial(), control = control)
# glm's final working weights are those of the iteration before convergence; one more pass
# from the converged coefficients puts the sandwich at the fixed point (to ~1e-12, not 1e-7).
fit <- svyglm(formula, design, family = quasibinomial(), control = control, start = coef(fit))
table <- summary(fit)$coefficients
write.csv(data.frame(term = terms, estimate = sprintf("%.17g", coef(fit)),
                     std_error = sprintf("%.17g", SE(fit)),
                     df = fit$df.residual, p_value = sprintf("%.17g", table[, 4])),
          args[2], row.names = FALSE)
