# Survey-weighted logistic regression with R's survey package (the model's reference).
# Usage: Rscript svyglm.R data.csv out.csv
#   data.csv: y (0/1), weight, cluster, then the model's columns (intercept included)
#   out.csv:  term, estimate, std_error
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], check.names = FALSE)
terms <- setdiff(names(data), c("y", "weight", "cluster"))
names(data) <- c("y", "weight", "cluster", paste0("x", seq_along(terms)))
design <- svydesign(ids = ~cluster, weights = ~weight, data = data)
formula <- as.formula(paste("y ~ 0 +", paste0("x", seq_along(terms), collapse = " + ")))
fit <- svyglm(formula, design, family = quasibinomial(),
              control = glm.control(epsilon = 1e-12, maxit = 100))
write.csv(data.frame(term = terms, estimate = sprintf("%.17g", coef(fit)),
                     std_error = sprintf("%.17g", SE(fit))), args[2], row.names = FALSE)
