struct ExecutorPlaceholder {}
