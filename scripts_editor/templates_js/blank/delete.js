function deleteUser(id, callback) {
  // `id` is the user_id login returned ('__CONNECTION__|...'). Remove that user, then answer once
  // with callback(null), or callback(new Error('why')).
  return callback(new Error('The delete script of the __CONNECTION__ connection is not written yet.'));
}
